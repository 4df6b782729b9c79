/**
 * `vectorclinic check … | head -1`: the reader closes the pipe and the next write fails with EPIPE.
 * That is the reader's choice, not an error: stop writing, print nothing, keep the run's exit code.
 * Any other stream error is still thrown.
 */
export function endQuietlyOnClosedPipe(streams: readonly NodeJS.WriteStream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') {
        stream.destroy();
        return;
      }
      throw error;
    });
  }
}
