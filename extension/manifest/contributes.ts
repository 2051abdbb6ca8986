/**
 * package.json's `contributes`, generated from the declarations in ../settings/schema.ts and
 * ../commands/commandList.ts plus the view container. `npm run write:contributes` writes it into
 * package.json; test/unit/extension/manifest/manifest.test.ts fails when package.json and this function disagree.
 */
import { manifestCommands } from '../commands/commandList';
import { manifestConfiguration } from '../../common/settings/schema';

export const ANSWERS_VIEW_ID = 'unisparse.answers';

export function manifestContributes(): Record<string, unknown> {
  const { commands, menus } = manifestCommands();
  return {
    commands,
    menus,
    configuration: manifestConfiguration(),
    viewsContainers: {
      activitybar: [{ id: 'unisparse', title: 'UniSparse', icon: 'media/unisparse.svg' }],
    },
    views: {
      unisparse: [{ id: ANSWERS_VIEW_ID, name: 'Answers', icon: 'media/unisparse.svg' }],
    },
    viewsWelcome: [{
      view: ANSWERS_VIEW_ID,
      contents: 'No answers yet.\n[Ask about the repository](command:unisparse.ask)\n' +
        'Or select code and run "UniSparse: Explain Selection" from the editor\'s context menu.',
    }],
  };
}
