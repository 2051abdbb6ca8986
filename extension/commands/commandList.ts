/**
 * Every command the extension contributes, declared once. package.json's `contributes.commands` and `menus` are
 * generated from this list (a unit test fails when they drift) and extension/commands/registerCommands.ts
 * registers a handler for each id, so a command cannot be declared without being implemented.
 *
 * Free of `vscode` imports so that the unit tests can load it.
 */
export const COMMANDS = [
  { id: 'unisparse.ask', title: 'Ask About the Repository', icon: '$(comment-discussion)' },
  { id: 'unisparse.explainSelection', title: 'Explain Selection', menu: 'editor/context' },
  { id: 'unisparse.explainSymbol', title: 'Explain Symbol' },
  { id: 'unisparse.analyzeFile', title: 'Analyze File', menu: 'explorer/context' },
  { id: 'unisparse.analyzeFolder', title: 'Analyze Folder', menu: 'explorer/context' },
  { id: 'unisparse.showSelectedBlocks', title: 'Show Selected Blocks', icon: '$(flame)' },
  { id: 'unisparse.toggleOverlays', title: 'Toggle Block Overlays' },
  { id: 'unisparse.reindex', title: 'Re-index the Repository', icon: '$(refresh)' },
  { id: 'unisparse.selectModel', title: 'Select Model' },
  { id: 'unisparse.stopGeneration', title: 'Stop Generation', icon: '$(debug-stop)' },
  { id: 'unisparse.showEngineLog', title: 'Show Engine Log' },
  { id: 'unisparse.status', title: 'Show Status' },
  { id: 'unisparse.setRemoteApiKey', title: 'Set Remote API Key' },
] as const;

export type CommandId = (typeof COMMANDS)[number]['id'];

export const COMMAND_CATEGORY = 'UniSparse';

/** Where the editor/explorer context-menu entries appear; `when` keeps "analyze file" off folders and vice versa. */
const MENU_WHEN: Record<string, string> = {
  'unisparse.explainSelection': 'editorHasSelection',
  'unisparse.analyzeFile': '!explorerResourceIsFolder',
  'unisparse.analyzeFolder': 'explorerResourceIsFolder',
};

/** The `contributes.commands` and `contributes.menus` of package.json, generated from COMMANDS. */
export function manifestCommands(): { commands: Record<string, string>[]; menus: Record<string, Record<string, string>[]> } {
  const commands = COMMANDS.map((c) => {
    const entry: Record<string, string> = { command: c.id, title: c.title, category: COMMAND_CATEGORY };
    if ('icon' in c) entry.icon = c.icon;
    return entry;
  });
  const menus: Record<string, Record<string, string>[]> = {
    'editor/context': [],
    'explorer/context': [],
    'view/title': [
      { command: 'unisparse.ask', when: 'view == unisparse.answers', group: 'navigation@1' },
      { command: 'unisparse.showSelectedBlocks', when: 'view == unisparse.answers', group: 'navigation@2' },
      { command: 'unisparse.stopGeneration', when: 'view == unisparse.answers && unisparse.generating', group: 'navigation@3' },
    ],
    commandPalette: [
      // Needs arguments (a code lens passes them) or the active editor; hidden where it cannot work.
      { command: 'unisparse.explainSymbol', when: 'editorIsOpen' },
    ],
  };
  for (const c of COMMANDS) {
    if (!('menu' in c)) continue;
    menus[c.menu].push({ command: c.id, when: MENU_WHEN[c.id], group: 'unisparse@1' });
  }
  return { commands, menus };
}
