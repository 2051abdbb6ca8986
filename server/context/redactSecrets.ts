// Replaces well-known secret shapes in packed repository text before it reaches a prompt: private-key blocks,
// cloud and service tokens, credentials inside URLs, and literal values assigned to names such as `password`,
// `secret` or `api_key`. The secret-file list (server/index/secretFiles.ts) keeps whole credential files out;
// this pass catches what is pasted into ordinary source. Line breaks are kept, so `file:line` headers, citations
// and the token -> source map stay exact. The count goes into the answer's stats (`redactedSecrets`).

export const REDACTED = '[redacted]';

export interface RedactedText { text: string; redactions: number }

/** Tokens whose shape alone says "credential" (provider prefixes and lengths as the providers document them). */
const TOKEN_SHAPES: RegExp[] = [
  /\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b/g,                 // AWS access key id
  /\bgh[pousr]_[A-Za-z0-9]{36,}\b/g,                          // GitHub tokens
  /\bgithub_pat_[A-Za-z0-9_]{22,}\b/g,
  /\bglpat-[A-Za-z0-9_-]{20,}\b/g,                            // GitLab
  /\bxox[abposr]-[A-Za-z0-9-]{10,}\b/g,                       // Slack
  /\bAIza[0-9A-Za-z_-]{35}\b/g,                               // Google API key
  /\b[sr]k_(?:live|test)_[0-9A-Za-z]{16,}\b/g,                // Stripe
  /\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{32,}\b/g,                // OpenAI / Anthropic style keys
  /\bnpm_[A-Za-z0-9]{36}\b/g,                                 // npm automation tokens
  /\bhf_[A-Za-z0-9]{30,}\b/g,                                 // Hugging Face
  /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b/g,   // JSON Web Tokens
];

/** Names whose literal value is a secret: DB_PASSWORD, aws_secret_access_key, apiKey, client_secret, ... */
const SECRET_NAME = String.raw`[\w.-]*(?:pass(?:word|wd|phrase)?|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|auth[_-]?key|credentials?)[\w.-]*`;
/** name = "value" / name: 'value' / 'name' => "value" (a string literal, no spaces, at least 4 characters). */
const QUOTED_ASSIGNMENT = new RegExp(String.raw`(\b${SECRET_NAME}['"]?\s*(?:=>|:=|[:=])\s*)(['"\`])([^'"\`\s]{4,})\2`, 'gi');
/** NAME=value at the start of a line (env, ini, properties, YAML): a value with a digit or symbol, not an expression. */
const BARE_ASSIGNMENT = new RegExp(String.raw`^(\s*(?:export\s+)?${SECRET_NAME}\s*[:=]\s*)([^\s'"\`(){}\[\],;<>]{6,})\s*$`, 'gim');
/** scheme://user:password@host */
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@'"]+:)([^\s@/'"]+)(@)/gi;
/** ?token=... &api_key=... */
const URL_QUERY_SECRET = /([?&](?:access_token|token|api_key|apikey|key|secret|password|sig|signature|auth)=)([^&\s'"#]{6,})/gi;
/** Authorization: Bearer <token> */
const BEARER = /(\bBearer\s+)([A-Za-z0-9._~+/-]{16,}=*)/g;

const PRIVATE_KEY_BEGIN = /-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY( BLOCK)?-----/;
const PRIVATE_KEY_END = /-----END ((?:[A-Z0-9]+ )*)PRIVATE KEY( BLOCK)?-----/;
const BASE64_LINE = /^\s*[A-Za-z0-9+/=]{16,}\s*$/;

/** Redacts the secrets in `text`; line count and every line outside a secret are unchanged. */
export function redactSecrets(text: string): RedactedText {
  let redactions = 0;
  let out = redactPrivateKeys(text, () => redactions++);
  for (const shape of TOKEN_SHAPES) out = out.replace(shape, () => { redactions++; return REDACTED; });
  out = out.replace(URL_PASSWORD, (_m, a: string, _p: string, c: string) => { redactions++; return a + REDACTED + c; });
  out = out.replace(URL_QUERY_SECRET, (_m, a: string) => { redactions++; return a + REDACTED; });
  out = out.replace(BEARER, (_m, a: string) => { redactions++; return a + REDACTED; });
  out = out.replace(QUOTED_ASSIGNMENT, (m, a: string, q: string, v: string) => {
    if (v === REDACTED || !looksLikeSecretValue(v)) return m;
    redactions++;
    return `${a}${q}${REDACTED}${q}`;
  });
  out = out.replace(BARE_ASSIGNMENT, (m, a: string, v: string) => {
    if (v === REDACTED || !looksLikeSecretValue(v) || !/[\d\W_]/.test(v)) return m;
    redactions++;
    return a + REDACTED;
  });
  return { text: out, redactions };
}

/** Placeholders and references are not secrets: `${DB_PASSWORD}`, `<your key>`, `process.env.X`, `changeme`. */
function looksLikeSecretValue(v: string): boolean {
  if (/^\$\{?[\w.]+\}?$|^<.*>$|^%\w+%$|^\{\{.*\}\}$/.test(v)) return false;
  if (/^(?:process\.env|os\.environ|env|System\.getenv|ENV)\b/.test(v)) return false;
  if (/^(?:true|false|null|none|nil|undefined|string|number|boolean|changeme|password|secret|xxx+|\*+)$/i.test(v)) return false;
  return true;
}

/**
 * A private-key block keeps its BEGIN/END lines and loses everything between them, line breaks excepted. The
 * packed text may hold only part of a block: a BEGIN without END redacts to the end, and an END without BEGIN
 * redacts the base64 lines above it. Keys inside one-line strings (a service-account JSON's "\n") work the same.
 */
function redactPrivateKeys(text: string, counted: () => void): string {
  if (!text.includes('PRIVATE KEY')) return text;
  let out = '';
  let rest = text;
  for (;;) {
    const begin = PRIVATE_KEY_BEGIN.exec(rest);
    const end = PRIVATE_KEY_END.exec(rest);
    if (end && (!begin || end.index < begin.index)) {
      // The block started before this text: blank the base64 lines just above the END marker.
      const before = rest.slice(0, end.index).split('\n');
      let i = before.length - 1;
      const endLinePrefix = before[i];
      before[i] = BASE64_LINE.test(endLinePrefix) || endLinePrefix.trim() === '' ? '' : endLinePrefix;
      for (i--; i >= 0 && BASE64_LINE.test(before[i]); i--) before[i] = '';
      counted();
      out += before.join('\n') + end[0];
      rest = rest.slice(end.index + end[0].length);
      continue;
    }
    if (!begin) return out + rest;
    counted();
    out += rest.slice(0, begin.index + begin[0].length);
    rest = rest.slice(begin.index + begin[0].length);
    const close = PRIVATE_KEY_END.exec(rest);
    const body = close ? rest.slice(0, close.index) : rest;
    out += REDACTED + '\n'.repeat(body.split('\n').length - 1);
    if (!close) return out;
    out += close[0];
    rest = rest.slice(close.index + close[0].length);
  }
}
