// Nothing private leaves the repository: secret-bearing files are not indexed, and links that resolve outside the
// repository root (to /etc, to a home folder) are never followed, neither on a build nor on a file-watcher update.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { RepoIndex } from '../../../server/index/repoIndex';
import { buildContext } from '../../../server/context/buildContext';
import ignore from 'ignore';
import { SECRET_FILE_PATTERNS } from '../../../server/index/secretFiles';
import { DEFAULT_EXCLUDES, IgnoreRules } from '../../../server/index/walker';
import { makeRepo, removeRepo, writeFile } from './indexTestSupport';
import { countTokens } from '../context/contextTestSupport';

const PRIVATE_KEY = ['-----BEGIN OPENSSH PRIVATE KEY-----', 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW',
  'QyNTUxOQAAACDfakefakefakefakefakefakefakefakefakefakefakefakeAAAAJhJ7', '-----END OPENSSH PRIVATE KEY-----'].join('\n');

describe('index: private files and links out of the repository', () => {
  const roots: string[] = [];
  const repo = (files: Record<string, string | Buffer>) => { const r = makeRepo(files); roots.push(r); return r; };
  after(() => roots.forEach(removeRepo));

  it('leaves env files, private keys, credentials and config backups out by default; templates stay', async () => {
    const root = repo({
      'app.py': 'def connect():\n    return open_db()\n',
      '.env': 'AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\nDB_PASSWORD=hunter2hunter2\n',
      '.env.production': 'API_TOKEN=abc123abc123\n',
      '.env.example': 'DB_PASSWORD=\n',
      'id_rsa': PRIVATE_KEY + '\n',
      'deploy/id_ed25519.pub': 'ssh-ed25519 AAAAC3Nza user@host\n',
      'config/credentials.json': '{"client_secret": "s3cr3t-v4lue"}\n',
      'settings_prod.py.bak': "DATABASES = {'default': {'PASSWORD': 'prod-db-pass-1'}}\n",
      'certs/server.pem': '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
      'keys/release.jks': 'not really a keystore\n',
      '.aws/credentials': '[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n',
      '.npmrc': '//registry.example/:_authToken=npm_abcdefghijklmnopqrstuvwxyz0123456789\n',
      'terraform.tfvars': 'db_password = "tf-pass-123"\n',
      'src/credentials/provider.ts': 'export class CredentialProvider {}\n',
    });
    const index = await RepoIndex.build(root, { cacheDir: null });
    try {
      // Source code in a folder named like a secret stays: only credential files are left out.
      assert.deepStrictEqual(index.fileList(), ['.env.example', 'app.py', 'src/credentials/provider.ts']);
      const ctx = buildContext(index, { question: 'password secret key credentials connect', budgetTokens: 4000, countTokens });
      assert.doesNotMatch(ctx.text, /hunter2|wJalrXUtnFEMI|PRIVATE KEY|s3cr3t|prod-db-pass|AKIA|tf-pass/);
    } finally { index.dispose(); }
  });

  it('the list can be overridden: a `!pattern` exclude brings one file back, an empty list indexes them all', async () => {
    const root = repo({ 'a.ts': 'export const a = 1;\n', 'old.ts.bak': 'export const b = 2;\n', '.env': 'X=1\n' });
    const back = await RepoIndex.build(root, { cacheDir: null, excludes: ['!old.ts.bak'] });
    try { assert.deepStrictEqual(back.fileList(), ['a.ts', 'old.ts.bak']); } finally { back.dispose(); }
    const all = await RepoIndex.build(root, { cacheDir: null, secretFiles: [] });
    try { assert.deepStrictEqual(all.fileList(), ['.env', 'a.ts', 'old.ts.bak']); } finally { all.dispose(); }
    assert.ok(SECRET_FILE_PATTERNS.includes('*.bak'));
  });

  it('never follows a link whose target resolves outside the root (a folder, a file, a chain of links)', async () => {
    const outside = makeRepo({ 'shadow': 'root:$6$saltsalt$hashhash:19000:0:99999:7:::\n', 'etc/passwd.conf': 'root:x:0:0:root:/root:/bin/bash\n' });
    roots.push(outside);
    const root = repo({ 'src/main.ts': 'export function main() { return 1; }\n', 'src/inner/keep.ts': 'export const keep = 2;\n' });
    fs.symlinkSync(path.join(outside, 'etc'), path.join(root, 'etc'));                 // a folder outside
    fs.symlinkSync(path.join(outside, 'shadow'), path.join(root, 'shadow.txt'));       // a file outside
    fs.symlinkSync(path.join(root, 'shadow.txt'), path.join(root, 'src', 'chain.txt'));   // inside -> inside -> outside
    fs.symlinkSync('/etc', path.join(root, 'system'));
    fs.symlinkSync(path.join(root, 'src', 'inner'), path.join(root, 'alias'));        // inside: still followed
    const index = await RepoIndex.build(root, { cacheDir: null });
    try {
      assert.deepStrictEqual(index.fileList(), ['alias/keep.ts', 'src/main.ts']);
      // A watcher event for a link that points out (created after the build) does not read it either.
      fs.symlinkSync(path.join(outside, 'shadow'), path.join(root, 'late.ts'));
      fs.symlinkSync(path.join(outside, 'etc'), path.join(root, 'later'));
      await index.update([path.join(root, 'late.ts'), path.join(root, 'later')], []);
      assert.deepStrictEqual(index.fileList(), ['alias/keep.ts', 'src/main.ts']);
      // A real file created later is indexed as usual.
      writeFile(root, 'src/new.ts', 'export const fresh = 3;\n');
      await index.update([path.join(root, 'src/new.ts')], []);
      assert.deepStrictEqual(index.fileList(), ['alias/keep.ts', 'src/main.ts', 'src/new.ts']);
    } finally { index.dispose(); }
  });

  it('a repository opened through a link to it is indexed normally', async () => {
    const root = repo({ 'a.ts': 'export const a = 1;\n' });
    const link = path.join(os.tmpdir(), `unisparse-link-${process.pid}`);
    fs.rmSync(link, { force: true });
    fs.symlinkSync(root, link);
    try {
      const index = await RepoIndex.build(link, { cacheDir: null });
      try { assert.deepStrictEqual(index.fileList(), ['a.ts']); } finally { index.dispose(); }
    } finally { fs.rmSync(link, { force: true }); }
  });

  it('the excludes decide by a path\'s name where they can, with the same verdicts as the gitignore rules in full', () => {
    // IgnoreRules answers most paths from their names (see fixedRuleNames); the gitignore library tests every path
    // against every pattern. Names of secrets, folders, anchored patterns (`.gem/credentials`, `/build`) and their
    // look-alikes, at the root and below, as files and folders, under user excludes simple and not.
    const names = ['a.ts', '.env', '.env.local', '.env.example', '.ENV', 'credentials', 'Credentials', 'config.json', 'CONFIG.JSON', '.gem',
      '.docker', 'x.pem', 'id_rsa', 'id_rsa.pub', 'node_modules', 'dist', 'build', 'main.min.js', 'a.map', '.ssh', 'foo~', 'secrets.json',
      'kubeconfig', 'terraform.tfstate.backup', 'x.tfvars', '.aws', 'client_secret_1.json', 'my-credentials.json', 'src', 'bar', 'keep.ts'];
    const paths: [string, boolean][] = [];
    for (const a of names) {
      paths.push([a, false], [a, true]);
      for (const b of names) paths.push([`${a}/${b}`, false], [`${a}/${b}`, true], [`src/${a}/${b}`, false]);
    }
    const setups: [string[], boolean][] = [[[], true], [['!.env.local', '*.ts'], true], [['/build', 'foo/bar', 'src/keep.ts'], false],
      [['[ab].ts'], true], [['src/', '!src/keep.ts'], true], [['**/bar'], true]];
    let checked = 0;
    const root = repo({ 'a.ts': '' });   // no .gitignore anywhere: only the excludes decide
    for (const [excludes, defaultExcludes] of setups) {
      const rules = new IgnoreRules(root, { excludes, defaultExcludes });
      const full = ignore().add([...(defaultExcludes ? DEFAULT_EXCLUDES : []), ...SECRET_FILE_PATTERNS, ...excludes]);
      for (const [p, isDir] of paths) {
        assert.strictEqual(rules.ignores(p, isDir), full.ignores(isDir ? `${p}/` : p), `${p}${isDir ? '/' : ''} with ${JSON.stringify(excludes)}`);
        checked++;
      }
    }
    assert.ok(checked > 15_000);
  });
});
