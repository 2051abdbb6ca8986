/** Show selected blocks (overlays + heatmap) and toggle overlays. */
import * as vscode from 'vscode';
import type { SelectionResult } from '../../server/protocol/protocol';
import { SETTINGS_SECTION } from '../../common/settings/schema';
import type { CommandFactory } from './commandFactory';
import { notify } from './notices';

export const showSelectedBlocks: CommandFactory = {
  needsServer: false,
  enabled: (ctx) => async (): Promise<SelectionResult | undefined> => {
    const selection = ctx.selection.last;
    if (!selection) {
      void notify(ctx, 'explained', 'no answer yet, so no blocks were selected. Ask a question first ("UniSparse: Ask About the Repository").');
      return undefined;
    }
    ctx.overlays.show(selection);
    ctx.heatmap.show(selection);
    if (!ctx.overlays.isEnabled) {
      void notify(ctx, 'explained', 'overlays are off; run "Toggle Block Overlays" to see the blocks in the editor.');
    }
    return selection;
  },
};

export const toggleOverlays: CommandFactory = {
  needsServer: false,
  enabled: (ctx) => async (): Promise<boolean> => {
    const on = !ctx.overlays.isEnabled;
    ctx.overlays.setEnabled(on);
    // Persist the choice; a workspace without a folder can only hold it globally.
    await vscode.workspace.getConfiguration(SETTINGS_SECTION).update('overlays.enabled', on, vscode.ConfigurationTarget.Global);
    vscode.window.setStatusBarMessage(`UniSparse overlays ${on ? 'on' : 'off'}`, 3000);
    return on;
  },
};
