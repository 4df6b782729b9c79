import { randomBytes } from 'node:crypto';
import { accessSync, closeSync, constants, fsyncSync, openSync, readdirSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UsageError } from '../errors.js';

/**
 * Temp files live in the target's own directory (rename is only atomic within one filesystem),
 * start with a dot, and carry the writer's pid so a later run can tell litter from a live writer.
 */
const TEMP_MARK = '.vctmp-';

/** Fail early, as a usage error, when `target` cannot be written (before any work is done). */
export function assertWritableTarget(target: string, flag: string): void {
  const directory = dirname(target);
  try {
    if (!statSync(directory).isDirectory()) throw new Error('not a directory');
    accessSync(directory, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot write into ${directory} (${code ?? (error as Error).message})`, { where: flag, hint: 'create the directory first, or choose a writable location' });
  }
  if (statSync(target, { throwIfNoEntry: false })?.isDirectory()) {
    throw new UsageError(`${target} is a directory`, { where: flag, hint: 'name a file to write, e.g. store.hnsw' });
  }
}

export function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}${TEMP_MARK}${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** Flush a file's data to disk before it is renamed into place, so the rename never exposes a hole. */
export function fsyncFile(path: string): void {
  const fd = openSync(path, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Persist a rename: the directory entry itself must reach the disk. */
export function fsyncDirectory(directory: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(directory, 'r');
    fsyncSync(fd);
  } catch {
    // Some filesystems refuse fsync on directories; the rename is still atomic there.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Move a complete, fsynced temp file over `target` in one step: readers see the old file or the new one. */
export function commitTemp(tempPath: string, target: string): void {
  fsyncFile(tempPath);
  renameSync(tempPath, target);
  fsyncDirectory(dirname(target));
}

/** Write a whole file atomically (temp, fsync, rename). */
export function writeFileAtomic(target: string, content: string | Uint8Array): void {
  const temp = tempPathFor(target);
  try {
    const fd = openSync(temp, 'w');
    try {
      const bytes = typeof content === 'string' ? Buffer.from(content) : content;
      let written = 0;
      while (written < bytes.byteLength) written += writeSync(fd, bytes, written, bytes.byteLength - written);
    } finally {
      closeSync(fd);
    }
    commitTemp(temp, target);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

/**
 * Remove temp files (and temp directories) left beside `target` by writers that no longer run
 * (killed mid-write): its own temps and those of its sidecars (`<target>.*`). A temp whose pid is
 * alive belongs to a concurrent writer and is left alone.
 */
export function removeStaleTemps(target: string): string[] {
  const family = `.${basename(target)}`;
  const directory = dirname(target);
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch {
    return removed;
  }
  for (const name of names) {
    const mark = name.lastIndexOf(TEMP_MARK);
    if (!name.startsWith(family) || mark < 0) continue;
    const pid = Number(name.slice(mark + TEMP_MARK.length).split('-')[0]);
    if (pid === process.pid || (Number.isSafeInteger(pid) && isAlive(pid))) continue;
    rmSync(join(directory, name), { force: true, recursive: true });
    removed.push(name);
  }
  return removed;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
