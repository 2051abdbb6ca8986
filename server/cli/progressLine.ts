/**
 * One self-overwriting status line on stderr (when it is a terminal), or plain lines at most every
 * second otherwise, so logs of piped runs stay readable. Stdout stays clean for answers and JSON.
 */
export class ProgressLine {
  private shown = false;
  private lastPlain = 0;
  private readonly tty = Boolean(process.stderr.isTTY);

  update(text: string): void {
    if (this.tty) {
      process.stderr.write(`\r\x1b[2K${text}`);
      this.shown = true;
    } else if (Date.now() - this.lastPlain >= 1000) {
      this.lastPlain = Date.now();
      process.stderr.write(text + '\n');
    }
  }

  clear(): void {
    if (this.tty && this.shown) process.stderr.write('\r\x1b[2K');
    this.shown = false;
  }
}
