/**
 * The evaluation questions: each names where its answer is in real public code fetched at a pinned version
 * (corpora.ts). The answer line is found by a pattern at run time, so a wrong pattern fails loudly instead of
 * scoring against a stale line number. Kinds: where a symbol is defined, who calls a function, which file reads a
 * configuration key, and the value of a constant.
 */

export type QuestionKind = 'definition' | 'caller' | 'config' | 'constant';

export interface EvalQuestion {
  id: string;
  corpus: 'flask' | 'express';
  kind: QuestionKind;
  question: string;
  /** File that holds the answer, relative to the corpus root. */
  file: string;
  /** Matches the answer line (the first match in the file). */
  pattern: RegExp;
  /** Lines after the matched one that still belong to the answer (a definition's first lines). */
  extraLines?: number;
  /** What a correct answer names: an identifier or a value (any of several, matched as a whole word). */
  expect: string | string[];
  /** Packs this folder's code around the answer (the long-context probes fill their budget with it). */
  focusFolder?: string;
}

const F = 'src/flask/';

export const QUESTIONS: EvalQuestion[] = [
  // Flask 3.0.3: definitions
  { id: 'f-def-url_for', corpus: 'flask', kind: 'definition', question: 'Where is the function url_for defined?', file: F + 'helpers.py', pattern: /^def url_for\(/m, extraLines: 3, expect: 'url_for' },
  { id: 'f-def-send_from_directory', corpus: 'flask', kind: 'definition', question: 'Where is send_from_directory defined?', file: F + 'helpers.py', pattern: /^def send_from_directory\(/m, extraLines: 3, expect: 'send_from_directory' },
  { id: 'f-def-get_flashed_messages', corpus: 'flask', kind: 'definition', question: 'Where is get_flashed_messages defined?', file: F + 'helpers.py', pattern: /^def get_flashed_messages\(/m, extraLines: 3, expect: 'get_flashed_messages' },
  { id: 'f-def-SecureCookieSessionInterface', corpus: 'flask', kind: 'definition', question: 'Where is the class SecureCookieSessionInterface defined?', file: F + 'sessions.py', pattern: /^class SecureCookieSessionInterface\(/m, extraLines: 3, expect: 'SecureCookieSessionInterface' },
  { id: 'f-def-NullSession', corpus: 'flask', kind: 'definition', question: 'Where is the NullSession class defined?', file: F + 'sessions.py', pattern: /^class NullSession\(/m, extraLines: 3, expect: 'NullSession' },
  { id: 'f-def-ConfigAttribute', corpus: 'flask', kind: 'definition', question: 'Where is ConfigAttribute defined?', file: F + 'config.py', pattern: /^class ConfigAttribute\(/m, extraLines: 3, expect: 'ConfigAttribute' },
  { id: 'f-def-after_this_request', corpus: 'flask', kind: 'definition', question: 'Where is after_this_request defined?', file: F + 'ctx.py', pattern: /^def after_this_request\(/m, extraLines: 3, expect: 'after_this_request' },
  { id: 'f-def-copy_current_request_context', corpus: 'flask', kind: 'definition', question: 'Where is copy_current_request_context defined?', file: F + 'ctx.py', pattern: /^def copy_current_request_context\(/m, extraLines: 3, expect: 'copy_current_request_context' },
  { id: 'f-def-find_best_app', corpus: 'flask', kind: 'definition', question: 'Where is find_best_app defined?', file: F + 'cli.py', pattern: /^def find_best_app\(/m, extraLines: 3, expect: 'find_best_app' },
  { id: 'f-def-load_dotenv', corpus: 'flask', kind: 'definition', question: 'Which function loads the .env files, and where is load_dotenv defined?', file: F + 'cli.py', pattern: /^def load_dotenv\(/m, extraLines: 3, expect: 'load_dotenv' },
  { id: 'f-def-DefaultJSONProvider', corpus: 'flask', kind: 'definition', question: 'Where is DefaultJSONProvider defined?', file: F + 'json/provider.py', pattern: /^class DefaultJSONProvider\(/m, extraLines: 3, expect: 'DefaultJSONProvider' },
  { id: 'f-def-render_template_string', corpus: 'flask', kind: 'definition', question: 'Where is render_template_string defined?', file: F + 'templating.py', pattern: /^def render_template_string\(/m, extraLines: 3, expect: 'render_template_string' },
  { id: 'f-def-create_logger', corpus: 'flask', kind: 'definition', question: 'Where is create_logger defined?', file: F + 'logging.py', pattern: /^def create_logger\(/m, extraLines: 3, expect: 'create_logger' },
  { id: 'f-def-FlaskClient', corpus: 'flask', kind: 'definition', question: 'Where is the FlaskClient test client class defined?', file: F + 'testing.py', pattern: /^class FlaskClient\(/m, extraLines: 3, expect: 'FlaskClient' },
  // Flask: callers
  { id: 'f-call-_lazy_sha1', corpus: 'flask', kind: 'caller', question: 'Which class uses _lazy_sha1 as its digest method?', file: F + 'sessions.py', pattern: /digest_method = staticmethod\(_lazy_sha1\)/, expect: 'SecureCookieSessionInterface' },
  { id: 'f-call-_dump_loader_info', corpus: 'flask', kind: 'caller', question: 'Which function calls _dump_loader_info?', file: F + 'debughelpers.py', pattern: /for line in _dump_loader_info\(loader\)/, expect: 'explain_template_loading_attempts' },
  { id: 'f-call-_prepare_send_file_kwargs', corpus: 'flask', kind: 'caller', question: 'Who calls _prepare_send_file_kwargs?', file: F + 'helpers.py', pattern: /\*\*_prepare_send_file_kwargs\(/, expect: 'send_file' },
  { id: 'f-call-has_level_handler', corpus: 'flask', kind: 'caller', question: 'Which function calls has_level_handler?', file: F + 'logging.py', pattern: /if not has_level_handler\(logger\)/, expect: 'create_logger' },
  { id: 'f-call-prepare_import', corpus: 'flask', kind: 'caller', question: 'Which method calls prepare_import?', file: F + 'cli.py', pattern: /import_name = prepare_import\(path\)/, expect: 'load_app' },
  { id: 'f-call-attach_enctype_error_multidict', corpus: 'flask', kind: 'caller', question: 'Where is attach_enctype_error_multidict called?', file: F + 'wrappers.py', pattern: /attach_enctype_error_multidict\(self\)/, expect: '_load_form_data' },
  // Flask: configuration keys
  { id: 'f-cfg-SESSION_COOKIE_NAME', corpus: 'flask', kind: 'config', question: 'Which file reads the config key SESSION_COOKIE_NAME?', file: F + 'sessions.py', pattern: /return app\.config\["SESSION_COOKIE_NAME"\]/, expect: 'get_cookie_name' },
  { id: 'f-cfg-MAX_COOKIE_SIZE', corpus: 'flask', kind: 'config', question: 'Where is the MAX_COOKIE_SIZE config value read?', file: F + 'wrappers.py', pattern: /current_app\.config\["MAX_COOKIE_SIZE"\]/, expect: 'max_cookie_size' },
  { id: 'f-cfg-USE_X_SENDFILE', corpus: 'flask', kind: 'config', question: 'Which function reads the USE_X_SENDFILE setting?', file: F + 'helpers.py', pattern: /current_app\.config\["USE_X_SENDFILE"\]/, expect: '_prepare_send_file_kwargs' },
  { id: 'f-cfg-EXPLAIN_TEMPLATE_LOADING', corpus: 'flask', kind: 'config', question: 'Where is EXPLAIN_TEMPLATE_LOADING checked?', file: F + 'templating.py', pattern: /self\.app\.config\["EXPLAIN_TEMPLATE_LOADING"\]/, expect: ['get_source', 'DispatchingJinjaLoader'] },
  { id: 'f-cfg-SESSION_REFRESH_EACH_REQUEST', corpus: 'flask', kind: 'config', question: 'Which method reads SESSION_REFRESH_EACH_REQUEST?', file: F + 'sessions.py', pattern: /app\.config\["SESSION_REFRESH_EACH_REQUEST"\]/, expect: 'should_set_cookie' },
  // Flask: constants
  { id: 'f-const-salt', corpus: 'flask', kind: 'constant', question: 'What is the salt used by SecureCookieSessionInterface?', file: F + 'sessions.py', pattern: /^\s+salt = "cookie-session"/m, expect: 'cookie-session' },
  { id: 'f-const-key_derivation', corpus: 'flask', kind: 'constant', question: 'What is the key_derivation of the secure cookie session interface?', file: F + 'sessions.py', pattern: /^\s+key_derivation = "hmac"/m, expect: 'hmac' },
  { id: 'f-const-mimetype', corpus: 'flask', kind: 'constant', question: 'What mimetype does DefaultJSONProvider use?', file: F + 'json/provider.py', pattern: /^\s+mimetype = "application\/json"/m, expect: 'application/json' },
  { id: 'f-const-default_mimetype', corpus: 'flask', kind: 'constant', question: 'What is the default_mimetype of the Flask Response class?', file: F + 'wrappers.py', pattern: /default_mimetype: str \| None = "text\/html"/, expect: 'text/html' },

  // Express 4.19.2: definitions
  { id: 'e-def-createApplication', corpus: 'express', kind: 'definition', question: 'Where is createApplication defined?', file: 'lib/express.js', pattern: /^function createApplication\(/m, extraLines: 3, expect: 'createApplication' },
  { id: 'e-def-sendStatus', corpus: 'express', kind: 'definition', question: 'Where is res.sendStatus defined?', file: 'lib/response.js', pattern: /^res\.sendStatus = function sendStatus\(/m, extraLines: 3, expect: 'sendStatus' },
  { id: 'e-def-clearCookie', corpus: 'express', kind: 'definition', question: 'Where is clearCookie implemented?', file: 'lib/response.js', pattern: /^res\.clearCookie = function clearCookie\(/m, extraLines: 3, expect: 'clearCookie' },
  { id: 'e-def-acceptsLanguages', corpus: 'express', kind: 'definition', question: 'Where is req.acceptsLanguages defined?', file: 'lib/request.js', pattern: /^req\.acceptsLanguages = function/m, extraLines: 3, expect: 'acceptsLanguages' },
  { id: 'e-def-compileTrust', corpus: 'express', kind: 'definition', question: 'Where is compileTrust defined?', file: 'lib/utils.js', pattern: /^exports\.compileTrust = function/m, extraLines: 3, expect: 'compileTrust' },
  { id: 'e-def-View', corpus: 'express', kind: 'definition', question: 'Where is the View constructor defined?', file: 'lib/view.js', pattern: /^function View\(name, options\)/m, extraLines: 3, expect: 'View' },
  { id: 'e-def-Layer', corpus: 'express', kind: 'definition', question: 'Where is the router Layer defined?', file: 'lib/router/layer.js', pattern: /^function Layer\(path, options, fn\)/m, extraLines: 3, expect: 'Layer' },
  { id: 'e-def-mergeParams', corpus: 'express', kind: 'definition', question: 'Where is mergeParams defined?', file: 'lib/router/index.js', pattern: /^function mergeParams\(/m, extraLines: 3, expect: 'mergeParams' },
  // Express: callers
  { id: 'e-call-tryRender', corpus: 'express', kind: 'caller', question: 'Which method calls tryRender?', file: 'lib/application.js', pattern: /^\s+tryRender\(view, renderOptions, done\)/m, expect: 'render' },
  { id: 'e-call-acceptParams', corpus: 'express', kind: 'caller', question: 'Which function calls acceptParams?', file: 'lib/utils.js', pattern: /\? acceptParams\(type\)/, expect: 'normalizeType' },
  { id: 'e-call-tryStat', corpus: 'express', kind: 'caller', question: 'Which View method calls tryStat?', file: 'lib/view.js', pattern: /var stat = tryStat\(path\)/, expect: 'resolve' },
  { id: 'e-call-matchLayer', corpus: 'express', kind: 'caller', question: 'Where is matchLayer called?', file: 'lib/router/index.js', pattern: /match = matchLayer\(layer, path\)/, expect: 'handle' },
  { id: 'e-call-sendfile', corpus: 'express', kind: 'caller', question: 'Which response method calls the sendfile helper?', file: 'lib/response.js', pattern: /^\s+sendfile\(res, file, opts, function \(err\)/m, expect: 'sendFile' },
  // Express: settings (configuration keys)
  { id: 'e-cfg-subdomain-offset', corpus: 'express', kind: 'config', question: "Which file reads the 'subdomain offset' setting?", file: 'lib/request.js', pattern: /this\.app\.get\('subdomain offset'\)/, expect: 'subdomains' },
  { id: 'e-cfg-json-spaces', corpus: 'express', kind: 'config', question: "Where is the 'json spaces' setting read?", file: 'lib/response.js', pattern: /app\.get\('json spaces'\)/, expect: 'json' },
  { id: 'e-cfg-jsonp-callback-name', corpus: 'express', kind: 'config', question: "Which method reads 'jsonp callback name'?", file: 'lib/response.js', pattern: /app\.get\('jsonp callback name'\)/, expect: 'jsonp' },
  // Express: constants
  { id: 'e-const-trustProxyDefaultSymbol', corpus: 'express', kind: 'constant', question: 'What is the value of trustProxyDefaultSymbol?', file: 'lib/application.js', pattern: /^var trustProxyDefaultSymbol = /m, expect: '@@symbol:trust_proxy_default' },
  { id: 'e-const-subdomain-offset', corpus: 'express', kind: 'constant', question: "What is the default value of the 'subdomain offset' setting?", file: 'lib/application.js', pattern: /this\.set\('subdomain offset', 2\)/, expect: '2' },
  { id: 'e-const-etag', corpus: 'express', kind: 'constant', question: "What is the default 'etag' setting of an express app?", file: 'lib/application.js', pattern: /this\.set\('etag', 'weak'\)/, expect: 'weak' },
];
