/** The first line of an error's message, capped: third-party messages can be long or multi-line. */
export function errorReason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0]?.slice(0, 200) ?? 'unknown error';
}
