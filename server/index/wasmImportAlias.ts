// tree-sitter-wasms 0.1.13's bash grammar imports the C library's `isalpha`, which the web-tree-sitter 0.25 runtime
// does not export (it exports `iswalpha`), so the first parse that reaches that scanner branch throws
// "resolved is not a function". We rename such imports in the grammar's import section before loading; for the
// ASCII characters the scanner tests, iswalpha and isalpha agree.

const ALIASES: Record<string, string> = { isalpha: 'iswalpha', isdigit: 'iswdigit', isspace: 'iswspace', isalnum: 'iswalnum' };

function readLeb(bytes: Uint8Array, pos: number): { value: number; next: number } {
  let value = 0; let shift = 0; let b: number;
  do { b = bytes[pos++]; value += (b & 0x7f) * 2 ** shift; shift += 7; } while (b & 0x80);
  return { value, next: pos };
}

function leb(value: number): number[] {
  const out: number[] = [];
  do { let b = value & 0x7f; value = Math.floor(value / 128); if (value) b |= 0x80; out.push(b); } while (value);
  return out;
}

function nameBytes(name: string): number[] { return [...leb(name.length), ...Buffer.from(name, 'ascii')]; }

/** The wasm with imported functions `env.<from>` renamed per ALIASES; the input itself when nothing matches. */
export function aliasMissingImports(wasm: Uint8Array): Uint8Array {
  let pos = 8;   // magic + version
  while (pos < wasm.length) {
    const id = wasm[pos];
    const { value: size, next: contentStart } = readLeb(wasm, pos + 1);
    const contentEnd = contentStart + size;
    if (id === 2) {
      let content = Array.from(wasm.subarray(contentStart, contentEnd));
      let changed = false;
      for (const [from, to] of Object.entries(ALIASES)) {
        const needle = [...nameBytes('env'), ...nameBytes(from), 0x00];   // module, field, kind = function
        const at = indexOf(content, needle);
        if (at < 0) continue;
        content = [...content.slice(0, at), ...nameBytes('env'), ...nameBytes(to), 0x00, ...content.slice(at + needle.length)];
        changed = true;
      }
      if (!changed) return wasm;
      const out = new Uint8Array(pos + 1 + leb(content.length).length + content.length + (wasm.length - contentEnd));
      out.set(wasm.subarray(0, pos + 1));
      out.set(leb(content.length), pos + 1);
      out.set(content, pos + 1 + leb(content.length).length);
      out.set(wasm.subarray(contentEnd), pos + 1 + leb(content.length).length + content.length);
      return out;
    }
    pos = contentEnd;
  }
  return wasm;
}

function indexOf(haystack: number[], needle: number[]): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
