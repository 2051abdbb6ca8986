/**
 * How an answer mentions a place in the code: `path/file.ext:12`, `file.ext:12-20`, `file.ext#L12` or
 * `file.ext line 12`. The server keeps the mentions that point into the context it packed; the answer panel turns
 * the same mentions into links. The file part needs an extension that starts with a letter, and a mention cannot
 * start inside a word or a URL, so times like 12:30 and ports like host.com:8080 are not taken for citations.
 * Groups: 1 the file, 2 the first line, 3 the last line (optional).
 */
export const CITATION_PATTERN = /(?<![\w/\\.:-])((?:[\w.-]+[/\\])*[\w.-]+\.[A-Za-z]\w{0,9})(?::|#L| line )(\d+)(?:\s*[-–]\s*L?(\d+))?/g;
