// package.json's contributes must be exactly what extension/manifest/contributes.ts generates from the one
// declaration of settings and commands; the handlers and the reader must cover the same keys.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { COMMANDS } from '../../../../extension/commands/commandList';
import { manifestContributes } from '../../../../extension/manifest/contributes';
import { readSettings } from '../../../../common/settings/readSettings';
import { SETTINGS } from '../../../../common/settings/schema';

const root = path.resolve(__dirname, '..', '..', '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

describe('extension manifest', function () {
  it('package.json contributes equals the generated one (run `npm run write:contributes` to update)', function () {
    assert.deepStrictEqual(pkg.contributes, manifestContributes());
  });

  it('contributes the commands the product needs, each with a handler', function () {
    const wanted = ['ask', 'explainSelection', 'explainSymbol', 'analyzeFile', 'analyzeFolder', 'showSelectedBlocks',
      'toggleOverlays', 'reindex', 'selectModel', 'stopGeneration', 'showEngineLog', 'status', 'setRemoteApiKey'].map((c) => `unisparse.${c}`);
    assert.deepStrictEqual(COMMANDS.map((c) => c.id).sort(), wanted.sort());
    const registry = fs.readFileSync(path.join(root, 'extension', 'commands', 'registerCommands.ts'), 'utf8');
    for (const id of wanted) assert.ok(registry.includes(`'${id}':`), `${id} has no factory in registerCommands.ts`);
  });

  it('declares the settings the brief lists, and the typed reader reads each of them', function () {
    const keys = SETTINGS.map((s) => s.key);
    for (const k of ['model.path', 'device', 'attention', 'tau', 'blockSize', 'contextBudgetTokens', 'maxNewTokens', 'exclude']) {
      assert.ok(keys.includes(k as never), `setting ${k} missing`);
    }
    const defaults = readSettings({ get: () => undefined });
    assert.strictEqual(Object.keys(defaults).length, SETTINGS.length);
  });

  it('puts explain selection in the editor menu and analyze file/folder in the explorer menu', function () {
    const menus = pkg.contributes.menus;
    assert.ok(menus['editor/context'].some((m: { command: string }) => m.command === 'unisparse.explainSelection'));
    const explorer = menus['explorer/context'].map((m: { command: string }) => m.command);
    assert.deepStrictEqual(explorer.sort(), ['unisparse.analyzeFile', 'unisparse.analyzeFolder']);
  });

  it('has a view container with the answers view and an existing icon', function () {
    const container = pkg.contributes.viewsContainers.activitybar[0];
    assert.ok(fs.existsSync(path.join(root, container.icon)), container.icon);
    assert.strictEqual(pkg.contributes.views[container.id][0].id, 'unisparse.answers');
  });

  it('points main at the extension bundle and activates on workspace open', function () {
    assert.strictEqual(pkg.main, './dist/extension/main.js');
    assert.ok(pkg.activationEvents.includes('onStartupFinished'));
  });
});
