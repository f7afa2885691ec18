import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { UserError } from '../../src/errors.ts';
import { applyRecipe, findFunction, pruneUnusedImports, rewriteSource } from '../../src/patch.ts';
import { loadPatchRecipe } from '../../src/specs.ts';

// Hand-written Go in the shapes FACTS.md describes; braces hide in strings, runes and comments on purpose.
const patchEra = `// +build linux

package fs

import (
	"io/ioutil"
	"path/filepath"
	"strconv"
	"syscall" // only for Errno

	"github.com/opencontainers/runc/libcontainer/cgroups"
)

const (
	cgroupKernelMemoryLimit = "memory.kmem.limit_in_bytes"
	cgroupMemoryLimit       = "memory.limit_in_bytes"
)

func (s *MemoryGroup) Apply(d *cgroupData) (err error) {
	path, _ := d.path("memory")
	if err := EnableKernelMemoryAccounting(path); err != nil { // a "}" in a comment
		return err
	}
	return nil
}

func EnableKernelMemoryAccounting(path string) error {
	/* { unbalanced in a block comment */
	for _, i := range []int64{1, -1} {
		if err := setKernelMemory(path, i); err != nil {
			return err
		}
	}
	return nil
}

func setKernelMemory(path string, kernelMemoryLimit int64) error {
	brace := '}'
	_ = brace
	msg := \`raw } string\`
	_ = msg
	if err := ioutil.WriteFile(filepath.Join(path, cgroupKernelMemoryLimit), []byte(strconv.FormatInt(kernelMemoryLimit, 10)), 0700); err != nil {
		if errno, ok := err.(syscall.Errno); ok && errno == syscall.EBUSY {
			return err
		}
		return err
	}
	return nil
}

func setMemory(path string, limit int64) error {
	_ = cgroups.PathExists(path)
	return ioutil.WriteFile(filepath.Join(path, cgroupMemoryLimit), []byte(strconv.FormatInt(limit, 10)), 0700)
}
`;
import { tempDir } from '../helpers/tmp.ts';

describe('findFunction', () => {
  it('finds the whole body despite braces in strings, runes and comments', () => {
    const span = findFunction(patchEra, 'setKernelMemory');
    assert.ok(span);
    const text = patchEra.slice(span.start, span.end);
    assert.ok(text.startsWith('func setKernelMemory('));
    assert.ok(text.endsWith('return nil\n}'));
    assert.ok(!text.includes('func setMemory'));
  });

  it('does not take a method for a function, nor a result type like interface{} for the body', () => {
    const src =
      'package x\n\nfunc (s *T) Apply() error { return nil }\n\nfunc Apply() (interface{}, error) {\n\treturn nil, nil\n}\n';
    const span = findFunction(src, 'Apply');
    assert.ok(span);
    assert.equal(src.slice(span.bodyOpen, span.end), '{\n\treturn nil, nil\n}');
  });
});

describe('rewriteSource with the libcontainer recipe', () => {
  it('neutralises both functions, adds fmt and drops imports only the old bodies used', async () => {
    const recipe = await loadPatchRecipe('libcontainer-nokmem');
    const { source, removedImports } = rewriteSource(patchEra, recipe, 'memory.go');
    assert.deepEqual(removedImports, ['syscall']);
    assert.match(
      source,
      /func EnableKernelMemoryAccounting\(path string\) error \{\n\t\/\/ nokmem[^\n]*\n\treturn nil\n\}/,
    );
    assert.match(source, /return fmt\.Errorf\("kernel memory accounting disabled in this runc build"\)/);
    assert.match(source, /\t"fmt"\n\)/);
    assert.ok(source.includes('"io/ioutil"'), 'still used by setMemory');
    assert.ok(source.includes('func setMemory('), 'the rest of the file is untouched');
  });

  it('refuses a tree of another shape, naming the missing function', async () => {
    const recipe = await loadPatchRecipe('libcontainer-nokmem');
    const inline = patchEra.replace('func EnableKernelMemoryAccounting(', 'func enableKmemInline(');
    assert.throws(
      () => rewriteSource(inline, recipe, 'memory.go'),
      (e: unknown) =>
        e instanceof UserError && /func EnableKernelMemoryAccounting not found in memory\.go/.test(e.message),
    );
  });
});

describe('pruneUnusedImports', () => {
  it('keeps blank, dot and aliased imports that are used', () => {
    const src =
      'package x\n\nimport (\n\t_ "embed"\n\tu "golang.org/x/sys/unix"\n\t"os"\n)\n\nvar _ = u.EBUSY\n// os.Exit in a comment does not count\n';
    const { source, removed } = pruneUnusedImports(src);
    assert.deepEqual(removed, ['os']);
    assert.ok(source.includes('_ "embed"') && source.includes('u "golang.org/x/sys/unix"'));
  });
});

describe('applyRecipe', () => {
  async function tree(files: Record<string, string>): Promise<string> {
    const dir = await tempDir('recipe-');
    for (const [name, text] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
      await writeFile(path.join(dir, name), text);
    }
    return dir;
  }

  it('patches under vendor/ for kubernetes and returns the diff', async () => {
    const dir = await tree({ 'vendor/github.com/opencontainers/runc/libcontainer/cgroups/fs/memory.go': patchEra });
    const applied = await applyRecipe(
      dir,
      'vendor/github.com/opencontainers/runc',
      await loadPatchRecipe('libcontainer-nokmem'),
    );
    assert.deepEqual(applied.files, ['vendor/github.com/opencontainers/runc/libcontainer/cgroups/fs/memory.go']);
    assert.match(
      applied.diff,
      /^--- a\/vendor\/github\.com\/opencontainers\/runc\/libcontainer\/cgroups\/fs\/memory\.go/m,
    );
    assert.match(applied.diff, /^-\t\t\treturn err$/m);
    assert.match(await readFile(path.join(dir, applied.files[0] ?? ''), 'utf8'), /kernel memory accounting disabled/);
  });

  it('says the patch did not take when another file of the package still writes kmem', async () => {
    const dir = await tree({
      'libcontainer/cgroups/fs/memory.go': patchEra,
      'libcontainer/cgroups/fs/apply_raw.go':
        'package fs\n\nfunc other(p string) { _ = writeFile(p, "memory.kmem.limit_in_bytes", "1") }\n',
    });
    await assert.rejects(
      applyRecipe(dir, '.', await loadPatchRecipe('libcontainer-nokmem')),
      (e: unknown) => e instanceof UserError && /apply_raw\.go still uses memory\.kmem\.limit_in_bytes/.test(e.message),
    );
  });
});
