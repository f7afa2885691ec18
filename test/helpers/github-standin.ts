// A stand-in for the part of GitHub's REST API that releases use — the only stand-in the tests have, because
// GitHub cannot be reached from here. Every request and every response is validated against GitHub's published
// OpenAPI description (@octokit/openapi): a request the real API would reject, or a response it would never
// send, fails the test. It keeps GitHub's behaviours that matter: drafts are listed but not found by tag,
// uploads live on a separate origin, an existing asset name answers 422 already_exists, and an asset's bytes
// (Accept: application/octet-stream) come by a redirect to a storage URL outside the API.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { OpenApiContract } from './openapi-contract.ts';

type Json = Record<string, unknown>;

interface Asset {
  id: number;
  name: string;
  size: number;
  digest: string;
  state: 'uploaded' | 'open';
  data: Buffer;
  created_at: string;
}
interface Release {
  id: number;
  tag_name: string;
  name: string;
  body: string;
  draft: boolean;
  created_at: string;
  published_at: string | null;
  assets: Asset[];
}

export interface StandinOptions {
  /** Fail (HTTP 500, asset left half-uploaded) on the n-th upload, once. */
  failUploadNumber?: number;
  /** After such a failure, the next asset listing omits the half-uploaded asset (GitHub is eventually consistent). */
  hideOpenOnce?: boolean;
}

export async function startGithubStandin(owner: string, repo: string, options: StandinOptions = {}) {
  const contract = await OpenApiContract.load();
  const releases: Release[] = [];
  const requests: string[] = [];
  let nextId = 1000;
  let uploads = 0;
  let hideOpen = false;
  let base = '';
  const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const user = () => ({
    login: 'nokmem-bot',
    id: 1,
    node_id: 'MDQ6VXNlcjE=',
    avatar_url: `${base}/avatars/1`,
    gravatar_id: '',
    url: `${base}/users/nokmem-bot`,
    html_url: `${base}/nokmem-bot`,
    followers_url: `${base}/users/nokmem-bot/followers`,
    following_url: `${base}/users/nokmem-bot/following{/other_user}`,
    gists_url: `${base}/users/nokmem-bot/gists{/gist_id}`,
    starred_url: `${base}/users/nokmem-bot/starred{/owner}{/repo}`,
    subscriptions_url: `${base}/users/nokmem-bot/subscriptions`,
    organizations_url: `${base}/users/nokmem-bot/orgs`,
    repos_url: `${base}/users/nokmem-bot/repos`,
    events_url: `${base}/users/nokmem-bot/events{/privacy}`,
    received_events_url: `${base}/users/nokmem-bot/received_events`,
    type: 'Bot',
    site_admin: false,
  });
  const assetJson = (a: Asset) => ({
    url: `${base}/repos/${owner}/${repo}/releases/assets/${a.id}`,
    browser_download_url: `${base}/${owner}/${repo}/releases/download/x/${a.name}`,
    id: a.id,
    node_id: `RA_${a.id}`,
    name: a.name,
    label: null,
    state: a.state,
    content_type: 'application/octet-stream',
    size: a.size,
    digest: a.digest,
    download_count: 0,
    created_at: a.created_at,
    updated_at: a.created_at,
    uploader: user(),
  });
  const releaseJson = (r: Release) => ({
    url: `${base}/repos/${owner}/${repo}/releases/${r.id}`,
    html_url: `${base}/${owner}/${repo}/releases/${r.draft ? `untagged-${r.id}` : `tag/${r.tag_name}`}`,
    assets_url: `${base}/repos/${owner}/${repo}/releases/${r.id}/assets`,
    upload_url: `${base}/uploads/repos/${owner}/${repo}/releases/${r.id}/assets{?name,label}`,
    tarball_url: `${base}/repos/${owner}/${repo}/tarball/${r.tag_name}`,
    zipball_url: `${base}/repos/${owner}/${repo}/zipball/${r.tag_name}`,
    id: r.id,
    node_id: `RE_${r.id}`,
    tag_name: r.tag_name,
    target_commitish: 'main',
    name: r.name,
    body: r.body,
    draft: r.draft,
    prerelease: false,
    created_at: r.created_at,
    published_at: r.published_at,
    author: user(),
    assets: r.assets.map(assetJson),
  });

  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', base);
    const method = req.method ?? 'GET';
    const pathname = url.pathname.replace(/^\/uploads/, '');
    requests.push(`${method} ${url.pathname}${url.search}`);
    // the storage an asset download is redirected to: not part of the API (a signed URL, no token needed)
    const stored = method === 'GET' ? /^\/objects\/(\d+)$/.exec(url.pathname) : null;
    if (stored) {
      const asset = releases.flatMap((r) => r.assets).find((a) => String(a.id) === stored[1]);
      if (!asset) return res.writeHead(404).end();
      return res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(asset.data);
    }
    const found = contract.operation(method, pathname);
    const reply = (status: number, body?: unknown, headers: Record<string, string> = {}) => {
      if (found) {
        const declared = (found.op.responses as Json)[String(status)] as Json | undefined;
        if (!declared)
          contract.violations.push(`${method} ${found.template}: status ${status} is not in GitHub's description`);
        else {
          const content = (contract.resolve(declared).content as Json | undefined)?.['application/json'] as
            Json | undefined;
          if (content?.schema) contract.check(`${method} ${found.template} ${status}`, content.schema, body);
        }
      }
      res.writeHead(status, body === undefined ? headers : { ...headers, 'content-type': 'application/json' });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    if (!found) {
      contract.violations.push(`${method} ${url.pathname}: no such operation in GitHub's description`);
      return reply(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
    }
    if (!/^(token|Bearer) /.test(req.headers.authorization ?? ''))
      return reply(401, { message: 'Requires authentication', documentation_url: 'https://docs.github.com/rest' });
    // the request, against the description: required query parameters and the JSON body
    for (const p of ((found.op.parameters as Json[] | undefined) ?? []).map((x) => contract.resolve(x))) {
      if (p.in === 'query' && p.required && !url.searchParams.has(String(p.name)))
        contract.violations.push(`${method} ${found.template}: missing query parameter ${String(p.name)}`);
    }
    const bodySchema = ((found.op.requestBody as Json | undefined)?.content as Json | undefined)?.[
      'application/json'
    ] as Json | undefined;
    let body: Json = {};
    if (bodySchema?.schema && raw.length) {
      body = JSON.parse(raw.toString()) as Json;
      contract.check(`${method} ${found.template} request`, bodySchema.schema, body);
    }
    const { params } = found;
    if (params.owner !== owner || params.repo !== repo)
      return reply(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
    const release = releases.find((r) => String(r.id) === params.release_id);

    switch (`${method} ${found.template}`) {
      case 'GET /repos/{owner}/{repo}/releases':
        return reply(200, releases.map(releaseJson));
      case 'GET /repos/{owner}/{repo}/releases/tags/{tag}': {
        const r = releases.find((x) => x.tag_name === params.tag && !x.draft); // drafts are not found by tag
        return r
          ? reply(200, releaseJson(r))
          : reply(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
      }
      case 'POST /repos/{owner}/{repo}/releases': {
        if (releases.some((r) => r.tag_name === body.tag_name)) {
          return reply(422, {
            message: 'Validation Failed',
            errors: [{ resource: 'Release', code: 'already_exists', field: 'tag_name' }],
            documentation_url: 'https://docs.github.com/rest',
          });
        }
        const r: Release = {
          id: nextId++,
          tag_name: String(body.tag_name),
          name: String(body.name ?? body.tag_name),
          body: String(body.body ?? ''),
          draft: Boolean(body.draft),
          created_at: now(),
          published_at: body.draft ? null : now(),
          assets: [],
        };
        releases.push(r);
        return reply(201, releaseJson(r));
      }
      case 'PATCH /repos/{owner}/{repo}/releases/{release_id}': {
        if (!release) return reply(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
        if (body.draft === false && release.draft) {
          release.draft = false;
          release.published_at = now();
        }
        return reply(200, releaseJson(release));
      }
      case 'GET /repos/{owner}/{repo}/releases/{release_id}/assets': {
        if (!release) return reply(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
        const listed = hideOpen ? release.assets.filter((a) => a.state !== 'open') : release.assets;
        hideOpen = false;
        return reply(200, listed.map(assetJson));
      }
      case 'POST /repos/{owner}/{repo}/releases/{release_id}/assets': {
        if (!url.pathname.startsWith('/uploads/'))
          contract.violations.push('an upload went to the API origin, not the upload origin of upload_url');
        if (!release) return reply(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
        const name = url.searchParams.get('name') ?? '';
        if (release.assets.some((a) => a.name === name)) {
          return reply(422, {
            message: 'Validation Failed',
            errors: [{ resource: 'ReleaseAsset', code: 'already_exists', field: 'name' }],
            documentation_url: 'https://docs.github.com/rest',
          });
        }
        uploads++;
        const asset: Asset = {
          id: nextId++,
          name,
          size: raw.length,
          digest: `sha256:${(await import('node:crypto')).createHash('sha256').update(raw).digest('hex')}`,
          state: 'uploaded',
          data: raw,
          created_at: now(),
        };
        if (uploads === options.failUploadNumber) {
          asset.state = 'open';
          asset.size = Math.floor(raw.length / 2);
          asset.data = raw.subarray(0, asset.size);
          release.assets.push(asset);
          hideOpen = Boolean(options.hideOpenOnce);
          res.writeHead(500).end(); // the connection broke mid-upload; GitHub's description has no 5xx to check
          return;
        }
        release.assets.push(asset);
        return reply(201, assetJson(asset));
      }
      case 'GET /repos/{owner}/{repo}/releases/assets/{asset_id}': {
        const asset = releases.flatMap((r) => r.assets).find((a) => String(a.id) === params.asset_id);
        if (!asset) return reply(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
        if ((req.headers.accept ?? '').includes('application/octet-stream'))
          return reply(302, undefined, { location: `${base}/objects/${asset.id}` });
        return reply(200, assetJson(asset));
      }
      case 'DELETE /repos/{owner}/{repo}/releases/assets/{asset_id}': {
        for (const r of releases) r.assets = r.assets.filter((a) => String(a.id) !== params.asset_id);
        return reply(204);
      }
      default:
        contract.violations.push(`${method} ${found.template}: not implemented by the stand-in`);
        return reply(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    releases,
    requests,
    violations: contract.violations,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
