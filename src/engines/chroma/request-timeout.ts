/**
 * A Chroma server that accepts connections but never answers (stopped, deadlocked, behind a
 * black-holing proxy) would hold a check for Node's fetch default of 5 minutes per request. Every
 * request is raced against this clock instead: past it the check fails (exit 2) and the request
 * is aborted through the signal handed to the client's fetch options.
 */
export class ChromaRequestTimeout extends Error {
  constructor(readonly seconds: number) {
    super(`no answer within ${seconds} s`);
    this.name = 'ChromaRequestTimeout';
  }
}

export class RequestClock {
  private readonly controller = new AbortController();

  constructor(readonly timeoutMs: number) {}

  /** For the client's fetchOptions: aborted when a request times out (the check is over by then). */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.controller.abort();
        reject(new ChromaRequestTimeout(this.timeoutMs / 1000));
      }, this.timeoutMs);
    });
    try {
      return await Promise.race([work(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
