/**
 * Chat prompts rendered with the model's own Jinja chat template (@huggingface/jinja), so a
 * model sees exactly the turn markers it was trained on. Models without a template get ChatML.
 */
import type { Template as JinjaTemplate } from '@huggingface/jinja' with { 'resolution-mode': 'import' };
// ESM-typed package with a CommonJS build for `require` (bundled by esbuild).
const { Template } = require('@huggingface/jinja') as { Template: new (source: string) => JinjaTemplate };
type Template = JinjaTemplate;

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** ChatML, the format of SmolLM2 and Qwen2.5: used when a model ships no template. */
export const CHATML_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

const compiled = new Map<string, Template>();

export function renderChat(
  template: string | undefined,
  messages: ChatMessage[],
  opts: { addGenerationPrompt?: boolean; bosToken?: string; eosToken?: string } = {},
): string {
  const source = template ?? CHATML_TEMPLATE;
  let t = compiled.get(source);
  if (!t) {
    try {
      t = new Template(source);
    } catch (e) {
      throw new Error(`The model's chat template could not be parsed (${(e as Error).message}). Use a model with a standard template, or run without --chat.`);
    }
    compiled.set(source, t);
  }
  return t.render({
    messages,
    add_generation_prompt: opts.addGenerationPrompt ?? true,
    bos_token: opts.bosToken ?? '',
    eos_token: opts.eosToken ?? '',
  });
}
