// gofuncs reads the function table (.gopclntab) of a Go binary, which stays when the symbol table is stripped
// (kubernetes 1.12-1.14 always link kubelet with -s -w), and prints, as JSON, the cgroupfs kmem functions that
// exist as compiled functions and the functions that (*MemoryGroup).Apply calls directly (x86-64 CALL rel32).
// Functions inlined everywhere are not in the table, just as they are not in the symbol table.
// Usage: go run main.go BINARY
package main

import (
	"debug/elf"
	"debug/gosym"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

type report struct {
	Functions  int      `json:"functions"`
	Kmem       []string `json:"kmem"`
	Apply      string   `json:"apply,omitempty"`
	ApplyCalls []string `json:"applyCalls"`
}

func isKmem(name string) bool {
	return strings.HasSuffix(name, "/cgroups/fs.EnableKernelMemoryAccounting") || strings.HasSuffix(name, "/cgroups/fs.setKernelMemory")
}

func main() {
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "gofuncs:", err)
		os.Exit(1)
	}
}

func run(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return err
	}
	text, pcln := f.Section(".text"), f.Section(".gopclntab")
	if text == nil || pcln == nil {
		return fmt.Errorf("no .text or .gopclntab section: not a Go ELF binary")
	}
	pclnData, err := pcln.Data()
	if err != nil {
		return err
	}
	code, err := text.Data()
	if err != nil {
		return err
	}
	table, err := gosym.NewTable(nil, gosym.NewLineTable(pclnData, text.Addr))
	if err != nil {
		return err
	}
	entries := make(map[uint64]string, len(table.Funcs))
	for _, fn := range table.Funcs {
		entries[fn.Entry] = fn.Name
	}
	out := report{Functions: len(table.Funcs), Kmem: []string{}, ApplyCalls: []string{}}
	for _, fn := range table.Funcs {
		if isKmem(fn.Name) {
			out.Kmem = append(out.Kmem, fn.Name)
		}
		if !strings.HasSuffix(fn.Name, "/cgroups/fs.(*MemoryGroup).Apply") || fn.Entry < text.Addr || fn.End > text.Addr+uint64(len(code)) {
			continue
		}
		out.Apply = fn.Name
		body := code[fn.Entry-text.Addr : fn.End-text.Addr]
		for i := 0; i+5 <= len(body); i++ {
			if body[i] != 0xe8 {
				continue
			}
			target := fn.Entry + uint64(i) + 5 + uint64(int64(int32(binary.LittleEndian.Uint32(body[i+1:]))))
			if name, ok := entries[target]; ok {
				out.ApplyCalls = append(out.ApplyCalls, name)
			}
		}
	}
	return json.NewEncoder(os.Stdout).Encode(out)
}
