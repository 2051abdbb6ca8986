#!/usr/bin/env node
// `npm run eval` (see runEval.ts): loads the TypeScript sources through the test register hook.
'use strict';
require('../register.js');
require('./runEval.ts');
