/** An HTTP failure with the status and the OpenAI-style error body `unisparse serve` sends for it. */
export class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly param?: string, readonly headers: Record<string, string> = {}) {
    super(message);
  }
}

export function errorBody(status: number, message: string, param?: string | null): { error: Record<string, unknown> } {
  const type = status === 401 || status === 403 ? 'authentication_error' : status === 429 ? 'rate_limit_error'
    : status < 500 ? 'invalid_request_error' : 'server_error';
  return { error: { message, type, param: param ?? null, code: null } };
}
