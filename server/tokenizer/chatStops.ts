/**
 * Where the chat template says a turn ends: the marker after an assistant message (`<|im_end|>` in ChatML,
 * `<|eot_id|>` in Llama 3) and the marker that opens the next turn (`<|im_start|>`). Decoding stops on
 * either, so a model that closes its answer, or starts writing the user's next turn itself, stops there
 * instead of running on to the length limit.
 */
import { renderChat } from './chatTemplate';
import type { TextTokenizer } from './tokenizer';

export interface ChatStops {
  /** Marker texts, for models that spell them with ordinary tokens. */
  stopStrings: string[];
  /** Token ids of the markers that are one (special) token each. */
  stopTokens: number[];
}

// Characters no template adds, so the rendered answer can be found again.
const ANSWER = '\u2063answer\u2063';
const QUESTION = '\u2063question\u2063';
const LEADING_MARKER = /^<[^<>\s]{1,40}>/;

/** The turn markers of a chat template (none found gives an empty list). */
export function chatTurnMarkers(template: string | undefined, bosToken = '', eosToken = ''): string[] {
  const markers = new Set<string>();
  const opts = { bosToken, eosToken };
  const full = renderChat(template, [{ role: 'user', content: QUESTION }, { role: 'assistant', content: ANSWER }], { ...opts, addGenerationPrompt: false });
  const at = full.indexOf(ANSWER);
  if (at >= 0) {
    const after = full.slice(at + ANSWER.length).trim();
    const end = LEADING_MARKER.exec(after)?.[0] ?? after.split(/\s/)[0];
    if (end) markers.add(end);
  }
  const asked = renderChat(template, [{ role: 'user', content: QUESTION }], { ...opts, addGenerationPrompt: true });
  const plain = renderChat(template, [{ role: 'user', content: QUESTION }], { ...opts, addGenerationPrompt: false });
  if (asked.startsWith(plain)) {
    const open = LEADING_MARKER.exec(asked.slice(plain.length).trim())?.[0];
    if (open) markers.add(open);
  }
  return [...markers];
}

export function chatStops(tokenizer: TextTokenizer): ChatStops {
  const decodeOne = (id: number | undefined) => (id === undefined ? '' : tokenizer.decode([id]));
  let markers: string[] = [];
  try {
    markers = chatTurnMarkers(tokenizer.chatTemplate, decodeOne(tokenizer.bos), decodeOne(tokenizer.eos[0]));
  } catch {
    markers = []; // a template that does not render without a system message etc.: the end-of-sequence tokens still stop
  }
  const stopTokens: number[] = [];
  for (const m of markers) {
    const ids = tokenizer.encode(m);
    if (ids.length === 1) stopTokens.push(ids[0]);
  }
  return { stopStrings: markers, stopTokens };
}
