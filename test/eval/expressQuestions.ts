/**
 * Evaluation questions over Express 4.19.2's package (lib/, see corpora.ts). Each name a definition question asks for
 * is defined once in lib/, and each caller, setting or constant pattern matches one line of its file, so the expected
 * answer is not ambiguous.
 */
import type { EvalQuestion } from './questions';

export const EXPRESS_QUESTIONS: EvalQuestion[] = [
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
  { id: 'e-call-tryRender', corpus: 'express', kind: 'caller', question: 'Which method calls tryRender?', file: 'lib/application.js', pattern: /^ +tryRender\(view, renderOptions, done\)/m, expect: 'render' },
  { id: 'e-call-acceptParams', corpus: 'express', kind: 'caller', question: 'Which function calls acceptParams?', file: 'lib/utils.js', pattern: /\? acceptParams\(type\)/, expect: 'normalizeType' },
  { id: 'e-call-tryStat', corpus: 'express', kind: 'caller', question: 'Which View method calls tryStat?', file: 'lib/view.js', pattern: /var stat = tryStat\(path\)/, expect: 'resolve' },
  { id: 'e-call-matchLayer', corpus: 'express', kind: 'caller', question: 'Where is matchLayer called?', file: 'lib/router/index.js', pattern: /match = matchLayer\(layer, path\)/, expect: 'handle' },
  { id: 'e-call-sendfile', corpus: 'express', kind: 'caller', question: 'Which response method calls the sendfile helper?', file: 'lib/response.js', pattern: /(?<=send\(req, pathname, opts\);\n\n {2}\/\/ transfer\n) {2}sendfile\(res, file, opts, function \(err\)/, expect: ['sendFile', 'sendfile'] },
  // Express: settings (configuration keys)
  { id: 'e-cfg-subdomain-offset', corpus: 'express', kind: 'config', question: "Which file reads the 'subdomain offset' setting?", file: 'lib/request.js', pattern: /this\.app\.get\('subdomain offset'\)/, expect: 'subdomains' },
  { id: 'e-cfg-json-spaces', corpus: 'express', kind: 'config', question: "Where is the 'json spaces' setting read?", file: 'lib/response.js', pattern: /app\.get\('json spaces'\)(?=;\n.*\n\n)/, expect: ['json', 'jsonp'] },
  { id: 'e-cfg-jsonp-callback-name', corpus: 'express', kind: 'config', question: "Which method reads 'jsonp callback name'?", file: 'lib/response.js', pattern: /app\.get\('jsonp callback name'\)/, expect: 'jsonp' },
  // Express: constants
  { id: 'e-const-trustProxyDefaultSymbol', corpus: 'express', kind: 'constant', question: 'What is the value of trustProxyDefaultSymbol?', file: 'lib/application.js', pattern: /^var trustProxyDefaultSymbol = /m, expect: '@@symbol:trust_proxy_default' },
  { id: 'e-const-subdomain-offset', corpus: 'express', kind: 'constant', question: "What is the default value of the 'subdomain offset' setting?", file: 'lib/application.js', pattern: /this\.set\('subdomain offset', 2\)/, expect: '2' },
  { id: 'e-const-etag', corpus: 'express', kind: 'constant', question: "What is the default 'etag' setting of an express app?", file: 'lib/application.js', pattern: /this\.set\('etag', 'weak'\)/, expect: 'weak' },
  // Express: more definitions, spread over lib/
  { id: 'e-def-status', corpus: 'express', kind: 'definition', question: 'Where is res.status defined?', file: 'lib/response.js', pattern: /^res\.status = function status\(/m, extraLines: 3, expect: 'status' },
  { id: 'e-def-links', corpus: 'express', kind: 'definition', question: 'Where is res.links, which sets the Link header, implemented?', file: 'lib/response.js', pattern: /^res\.links = function\(links\)/m, extraLines: 3, expect: 'links' },
  { id: 'e-def-download', corpus: 'express', kind: 'definition', question: 'Where is res.download defined?', file: 'lib/response.js', pattern: /^res\.download = function download \(/m, extraLines: 3, expect: 'download' },
  { id: 'e-def-format', corpus: 'express', kind: 'definition', question: 'Where is res.format implemented, the content negotiation helper?', file: 'lib/response.js', pattern: /^res\.format = function\(obj\)/m, extraLines: 3, expect: 'format' },
  { id: 'e-def-append', corpus: 'express', kind: 'definition', question: 'Where is res.append defined?', file: 'lib/response.js', pattern: /^res\.append = function append\(/m, extraLines: 3, expect: 'append' },
  { id: 'e-def-location', corpus: 'express', kind: 'definition', question: 'Where is res.location defined?', file: 'lib/response.js', pattern: /^res\.location = function location\(/m, extraLines: 3, expect: 'location' },
  { id: 'e-def-cookie', corpus: 'express', kind: 'definition', question: 'Where is res.cookie implemented?', file: 'lib/response.js', pattern: /^res\.cookie = function \(name, value, options\)/m, extraLines: 3, expect: 'cookie' },
  { id: 'e-def-stringify', corpus: 'express', kind: 'definition', question: 'Which function serialises JSON for res.json and res.jsonp, and where is it defined?', file: 'lib/response.js', pattern: /^function stringify \(/m, extraLines: 3, expect: 'stringify' },
  { id: 'e-def-range', corpus: 'express', kind: 'definition', question: 'Where is req.range defined?', file: 'lib/request.js', pattern: /^req\.range = function range\(/m, extraLines: 3, expect: 'range' },
  { id: 'e-def-is', corpus: 'express', kind: 'definition', question: 'Where is req.is, which checks the Content-Type, defined?', file: 'lib/request.js', pattern: /^req\.is = function is\(/m, extraLines: 3, expect: 'is' },
  { id: 'e-def-defineGetter', corpus: 'express', kind: 'definition', question: 'Where is the helper defineGetter defined?', file: 'lib/request.js', pattern: /^function defineGetter\(/m, extraLines: 3, expect: 'defineGetter' },
  { id: 'e-def-hostname', corpus: 'express', kind: 'definition', question: 'Where is the req.hostname getter defined?', file: 'lib/request.js', pattern: /^defineGetter\(req, 'hostname'/m, extraLines: 3, expect: 'hostname' },
  { id: 'e-def-xhr', corpus: 'express', kind: 'definition', question: 'Where is req.xhr defined?', file: 'lib/request.js', pattern: /^defineGetter\(req, 'xhr'/m, extraLines: 3, expect: 'xhr' },
  { id: 'e-def-engine', corpus: 'express', kind: 'definition', question: 'Where is app.engine defined, which registers a template engine?', file: 'lib/application.js', pattern: /^app\.engine = function engine\(/m, extraLines: 3, expect: 'engine' },
  { id: 'e-def-listen', corpus: 'express', kind: 'definition', question: 'Where is app.listen defined?', file: 'lib/application.js', pattern: /^app\.listen = function listen\(/m, extraLines: 3, expect: 'listen' },
  { id: 'e-def-setCharset', corpus: 'express', kind: 'definition', question: 'Where is setCharset defined?', file: 'lib/utils.js', pattern: /^exports\.setCharset = function setCharset\(/m, extraLines: 3, expect: 'setCharset' },
  { id: 'e-def-lookup', corpus: 'express', kind: 'definition', question: 'Where is View.prototype.lookup defined?', file: 'lib/view.js', pattern: /^View\.prototype\.lookup = function lookup\(/m, extraLines: 3, expect: 'lookup' },
  { id: 'e-def-dispatch', corpus: 'express', kind: 'definition', question: 'Where is Route.prototype.dispatch defined?', file: 'lib/router/route.js', pattern: /^Route\.prototype\.dispatch = function dispatch\(/m, extraLines: 3, expect: 'dispatch' },
  { id: 'e-def-Route', corpus: 'express', kind: 'definition', question: 'Where is the Route constructor defined?', file: 'lib/router/route.js', pattern: /^function Route\(path\)/m, extraLines: 3, expect: 'Route' },
  { id: 'e-def-Layer-match', corpus: 'express', kind: 'definition', question: 'Where is Layer.prototype.match defined, which tests a path against a layer?', file: 'lib/router/layer.js', pattern: /^Layer\.prototype\.match = function match\(/m, extraLines: 3, expect: 'match' },
  { id: 'e-def-process_params', corpus: 'express', kind: 'definition', question: 'Where is the router method process_params defined?', file: 'lib/router/index.js', pattern: /^proto\.process_params = function process_params\(/m, extraLines: 3, expect: 'process_params' },
  { id: 'e-def-getProtohost', corpus: 'express', kind: 'definition', question: 'Where is getProtohost defined?', file: 'lib/router/index.js', pattern: /^function getProtohost\(/m, extraLines: 3, expect: 'getProtohost' },
  { id: 'e-def-query-middleware', corpus: 'express', kind: 'definition', question: 'Where is the query middleware that parses req.query defined?', file: 'lib/middleware/query.js', pattern: /^module\.exports = function query\(options\)/m, extraLines: 3, expect: 'query' },
  { id: 'e-def-removedMiddlewares', corpus: 'express', kind: 'definition', question: 'Which list names the middleware that is no longer bundled with Express?', file: 'lib/express.js', pattern: /^var removedMiddlewares = \[/m, extraLines: 3, expect: 'removedMiddlewares' },
  // Express: more callers
  { id: 'e-call-logerror', corpus: 'express', kind: 'caller', question: 'Which app method uses logerror?', file: 'lib/application.js', pattern: /onerror: logerror\.bind\(this\)/, expect: 'handle' },
  { id: 'e-call-decode_param', corpus: 'express', kind: 'caller', question: 'Which method calls decode_param?', file: 'lib/router/layer.js', pattern: /this\.params = \{'0': decode_param\(path\)\}/, expect: 'match' },
  { id: 'e-call-parseExtendedQueryString', corpus: 'express', kind: 'caller', question: 'Which function uses parseExtendedQueryString?', file: 'lib/utils.js', pattern: /fn = parseExtendedQueryString;/, expect: 'compileQueryParser' },
  { id: 'e-call-getPathname', corpus: 'express', kind: 'caller', question: 'Which router method calls getPathname?', file: 'lib/router/index.js', pattern: /var path = getPathname\(req\);/, expect: 'handle' },
  { id: 'e-call-gettype', corpus: 'express', kind: 'caller', question: 'Which router method calls gettype?', file: 'lib/router/index.js', pattern: /requires a middleware function but got a ' \+ gettype\(fn\)/, expect: 'use' },
  { id: 'e-call-normalizeTypes', corpus: 'express', kind: 'caller', question: 'Which response method calls normalizeTypes?', file: 'lib/response.js', pattern: /types: normalizeTypes\(keys\)/, expect: 'format' },
  { id: 'e-call-lookup', corpus: 'express', kind: 'caller', question: 'Where is View.prototype.lookup called?', file: 'lib/view.js', pattern: /this\.path = this\.lookup\(fileName\);/, expect: 'View' },
  { id: 'e-call-compileETag', corpus: 'express', kind: 'caller', question: 'Which app method calls compileETag?', file: 'lib/application.js', pattern: /this\.set\('etag fn', compileETag\(val\)\)/, expect: 'set' },
  { id: 'e-call-createETagGenerator', corpus: 'express', kind: 'caller', question: 'Where is createETagGenerator called?', file: 'lib/utils.js', pattern: /^exports\.etag = createETagGenerator\(/m, expect: ['etag', 'wetag'] },
  { id: 'e-call-route-dispatch', corpus: 'express', kind: 'caller', question: "Which router method binds a Route's dispatch as a layer's handler?", file: 'lib/router/index.js', pattern: /\}, route\.dispatch\.bind\(route\)\);/, expect: 'route' },
  { id: 'e-call-proxyaddr-all', corpus: 'express', kind: 'caller', question: 'Which request getter calls proxyaddr.all?', file: 'lib/request.js', pattern: /var addrs = proxyaddr\.all\(this, trust\);/, expect: 'ips' },
  // Express: more settings
  { id: 'e-cfg-case-sensitive-routing', corpus: 'express', kind: 'config', question: "Where is the 'case sensitive routing' setting read?", file: 'lib/application.js', pattern: /caseSensitive: this\.enabled\('case sensitive routing'\)/, expect: 'lazyrouter' },
  { id: 'e-cfg-x-powered-by', corpus: 'express', kind: 'config', question: "Which middleware checks the 'x-powered-by' setting?", file: 'lib/middleware/init.js', pattern: /if \(app\.enabled\('x-powered-by'\)\)/, expect: ['init', 'expressInit'] },
  { id: 'e-cfg-etag-fn', corpus: 'express', kind: 'config', question: "Which response method reads the 'etag fn' setting?", file: 'lib/response.js', pattern: /var etagFn = app\.get\('etag fn'\)/, expect: 'send' },
  { id: 'e-cfg-view-cache', corpus: 'express', kind: 'config', question: "Where is the 'view cache' setting read?", file: 'lib/application.js', pattern: /renderOptions\.cache = this\.enabled\('view cache'\)/, expect: 'render' },
  { id: 'e-cfg-env-logerror', corpus: 'express', kind: 'config', question: "Which function checks the 'env' setting before printing an error?", file: 'lib/application.js', pattern: /if \(this\.get\('env'\) !== 'test'\)/, expect: 'logerror' },
  { id: 'e-cfg-trust-proxy-fn-ip', corpus: 'express', kind: 'config', question: "Which request getter uses the 'trust proxy fn' setting to compute the client address?", file: 'lib/request.js', pattern: /return proxyaddr\(this, trust\);/, expect: 'ip' },
  { id: 'e-cfg-trust-proxy-fn-protocol', corpus: 'express', kind: 'config', question: "Which request getter reads 'trust proxy fn' before trusting X-Forwarded-Proto?", file: 'lib/request.js', pattern: /this\.get\('X-Forwarded-Proto'\)/, expect: 'protocol' },
  // Express: more constants
  { id: 'e-const-query-parser', corpus: 'express', kind: 'constant', question: "What is the default 'query parser' setting?", file: 'lib/application.js', pattern: /this\.set\('query parser', 'extended'\)/, expect: 'extended' },
  { id: 'e-const-jsonp-callback-name', corpus: 'express', kind: 'constant', question: "What is the default value of 'jsonp callback name'?", file: 'lib/application.js', pattern: /this\.set\('jsonp callback name', 'callback'\)/, expect: 'callback' },
  { id: 'e-const-env', corpus: 'express', kind: 'constant', question: "Which env does an express app use when NODE_ENV is not set?", file: 'lib/application.js', pattern: /process\.env\.NODE_ENV \|\| 'development'/, expect: 'development' },
  { id: 'e-const-redirect-status', corpus: 'express', kind: 'constant', question: 'What status code does res.redirect use by default?', file: 'lib/response.js', pattern: /^ +var status = 302;/m, expect: '302' },
  { id: 'e-const-jsonp-content-type', corpus: 'express', kind: 'constant', question: 'What Content-Type does res.jsonp set when a callback is given?', file: 'lib/response.js', pattern: /this\.set\('Content-Type', 'text\/javascript'\)/, expect: 'text/javascript' },
  { id: 'e-const-trust-proxy', corpus: 'express', kind: 'constant', question: "What is the default 'trust proxy' setting?", file: 'lib/application.js', pattern: /this\.set\('trust proxy', false\)/, expect: 'false' },
  { id: 'e-const-static', corpus: 'express', kind: 'constant', question: 'Which package provides express.static?', file: 'lib/express.js', pattern: /^exports\.static = require\('serve-static'\)/m, expect: 'serve-static' },
];
