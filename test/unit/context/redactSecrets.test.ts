// Secret shapes pasted into ordinary source are replaced before the text is packed, line breaks kept, and the
// count is reported; code that merely talks about passwords and tokens is left alone.
import * as assert from 'assert';
import { redactSecrets, REDACTED } from '../../../server/context/redactSecrets';
import { RepoIndex } from '../../../server/index/repoIndex';
import { buildContext } from '../../../server/context/buildContext';
import { makeRepo, removeRepo } from '../index/indexTestSupport';
import { countTokens } from './contextTestSupport';

const lines = (s: string) => s.split('\n').length;

describe('context: secret redaction', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['AWS access key id', 'const id = "AKIAIOSFODNN7EXAMPLE";', /AKIAIOSFODNN7EXAMPLE/],
    ['AWS secret in an env line', 'AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', /wJalrXUtnFEMI/],
    ['a database password in a Python dict', "DATABASES = {'default': {'PASSWORD': 'prod-db-pass-1'}}", /prod-db-pass-1/],
    ['a password assignment', 'db_password = "hunter2hunter2"', /hunter2/],
    ['a YAML api key', '  api_key: 9f8e7d6c5b4a39281', /9f8e7d6c5b4a39281/],
    ['a GitHub token', 'token := "ghp_abcdefghijklmnopqrstuvwxyz0123456789AB"', /ghp_abc/],
    ['a Slack token', 'SLACK = xoxb-1234567890-abcdefghijkl', /xoxb-1234567890/],
    ['a JWT', 'auth: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U', /eyJzdWIi/],
    ['a password in a URL', 'DATABASE_URL = "postgres://admin:Sup3rS3cret@db.internal:5432/app"', /Sup3rS3cret/],
    ['a token in a URL query', 'fetch("https://api.example.com/v1/items?access_token=a1b2c3d4e5f6&page=2")', /a1b2c3d4e5f6/],
    ['a bearer header', "headers['Authorization'] = 'Bearer abcdEFGH1234ijklMNOP5678'", /abcdEFGH1234ijkl/],
  ];
  for (const [name, input, secret] of cases) {
    it(`redacts ${name}`, () => {
      const r = redactSecrets(input);
      assert.doesNotMatch(r.text, secret);
      assert.ok(r.text.includes(REDACTED), r.text);
      assert.ok(r.redactions >= 1);
    });
  }

  it('blanks a private-key block, whole, cut at either end, or inside a one-line JSON string, keeping the line count', () => {
    const key = 'x = """\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx4Ue1fakefakefake\nQWERTYUIOPASDFGHJKLZXCVBNM012345\n-----END RSA PRIVATE KEY-----\n"""';
    for (const text of [key, key.split('\n').slice(0, 4).join('\n'), key.split('\n').slice(3).join('\n'),
      '{"private_key": "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\\n-----END PRIVATE KEY-----\\n"}']) {
      const r = redactSecrets(text);
      assert.doesNotMatch(r.text, /MIIE|QWERTY/, r.text);
      assert.strictEqual(lines(r.text), lines(text));
      assert.strictEqual(r.redactions, 1);
    }
  });

  it('leaves ordinary code about passwords and tokens alone', () => {
    const code = [
      'function checkPassword(password: string): boolean {',
      '  const token = tokenizer.encode(text);',
      '  password = input',
      '  const secret = process.env.API_SECRET;',
      '  DB_PASSWORD=${DB_PASSWORD}',
      '  api_key: <your key here>',
      '  return hashes.includes(hash(password));',
      '}',
    ].join('\n');
    assert.deepStrictEqual(redactSecrets(code), { text: code, redactions: 0 });
  });

  it('packed context says how many values it redacted, and the line headers still match the file', async () => {
    const root = makeRepo({
      'src/db.py': 'import os\n\ndef connect():\n    password = "Tr0ub4dor&3xyz"\n    url = "mysql://root:hunter22@localhost/db"\n    return open_db(url, password)\n',
    });
    try {
      const index = await RepoIndex.build(root, { cacheDir: null });
      try {
        const ctx = buildContext(index, { question: 'how does connect open the database?', budgetTokens: 2000, countTokens });
        assert.doesNotMatch(ctx.text, /Tr0ub4dor|hunter22/);
        assert.strictEqual(ctx.redactedSecrets, 2);
        const chunk = ctx.chunks.find((c) => c.file === 'src/db.py' && c.endLine === 6)!;
        const body = ctx.text.slice(chunk.charStart, chunk.charEnd).split('\n').slice(1);
        assert.strictEqual(body.length, chunk.endLine - chunk.startLine + 1);
        assert.match(body[body.length - 1], /return open_db\(url, password\)/);
      } finally { index.dispose(); }
    } finally { removeRepo(root); }
  });
});
