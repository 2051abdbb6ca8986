/**
 * The HTML shell shared by the extension's webviews: a strict Content-Security-Policy with a fresh nonce, one
 * stylesheet and one bundled script, no inline script or style. Everything dynamic arrives by postMessage.
 */
import { randomBytes } from 'crypto';
import * as vscode from 'vscode';

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return {
    enableScripts: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'media'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

/** `script` is a bundle in dist/media (built by scripts/bundle.js from media/<name>), `style` a file in media/. */
export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, title: string, script: string, style: string): string {
  const nonce = randomBytes(16).toString('base64');
  const scriptUri = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'media', script));
  const styleUri = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', style));
  const csp = [
    "default-src 'none'",
    `img-src ${webview.cspSource} data:`,
    `style-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${styleUri}">
<title>${escapeHtml(title)}</title>
</head>
<body>
<div id="root" data-title="${escapeHtml(title)}"></div>
<script nonce="${nonce}" src="${scriptUri}"></script>
</body>
</html>`;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c] as string));
}
