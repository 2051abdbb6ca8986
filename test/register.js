// The test runners' TypeScript hook (mocha's `require`, `node -r test/register.js`): the project's one hook.
'use strict';
require('../scripts/registerTypeScript.js');
