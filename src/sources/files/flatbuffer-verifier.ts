/**
 * A bounded flatbuffer verifier, so a corrupt length or offset is refused before a third-party
 * decoder (apache-arrow) follows it. Generated flatbuffer readers trust the buffer: a vector
 * length set to 2^30 makes them loop 2^30 times and allocate an object per element. Here every
 * offset, vtable, string and vector must lie inside the buffer, vectors must fit in the bytes that
 * exist, nesting is capped and the total number of tables visited is capped (shared sub-tables
 * cannot multiply the work).
 */

/** What a table slot holds, as the .fbs schema declares it. */
export type SlotKind =
  | { readonly kind: 'scalar'; readonly bytes: 1 | 2 | 4 | 8 }
  | { readonly kind: 'string' }
  | { readonly kind: 'table'; readonly table: () => TableSpec }
  /** The value of a union; its type byte is the slot just before it. */
  | { readonly kind: 'union'; readonly members: () => Readonly<Record<number, TableSpec | null>>; readonly what: string }
  | { readonly kind: 'tables'; readonly table: () => TableSpec }
  | { readonly kind: 'strings' }
  /** A vector of structs or scalars of `bytes` each. */
  | { readonly kind: 'inline'; readonly bytes: number };

export interface TableSpec {
  readonly name: string;
  readonly slots: readonly SlotKind[];
  /** Field names from the .fbs, for messages ("Field.children"). */
  readonly slotNames?: readonly string[];
}

/** Thrown with the offset inside the verified buffer; callers add the file and its position. */
export class FlatbufferError extends Error {
  constructor(
    message: string,
    readonly at: number,
  ) {
    super(message);
  }
}

/** Schemas nest a few levels (struct of list of …); anything deeper than this is corruption. */
export const MAX_DEPTH = 64;
/** Tables visited per buffer: far more than any real schema (thousands of columns), far below a loop bomb. */
export const MAX_TABLES = 200_000;

const UOFFSET = 4;

export function verifyFlatbuffer(bytes: Uint8Array, root: TableSpec): void {
  new Verifier(bytes).root(root);
}

/**
 * Follow table slots from the root of a verified buffer: `path` lists slot numbers of nested
 * tables; returns the position of the last table, or undefined when a slot on the way is absent.
 */
export function tableAt(bytes: Uint8Array, path: readonly number[]): number | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let table = view.getUint32(0, true);
  for (const slot of path) {
    const at = slotPosition(view, table, slot);
    if (at === undefined) return undefined;
    table = at + view.getUint32(at, true);
  }
  return table;
}

/** A one-byte scalar slot of the table at `table` in a verified buffer, or `fallback` when absent. */
export function byteSlot(bytes: Uint8Array, table: number, slot: number, fallback: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = slotPosition(view, table, slot);
  return at === undefined ? fallback : view.getUint8(at);
}

function slotPosition(view: DataView, table: number, slot: number): number | undefined {
  const vtable = table - view.getInt32(table, true);
  const entry = 4 + 2 * slot;
  if (entry >= view.getUint16(vtable, true)) return undefined;
  const offset = view.getUint16(vtable + entry, true);
  return offset === 0 ? undefined : table + offset;
}

/** A table being verified: where it and its vtable are, and how deep it nests. */
interface TableAt {
  readonly spec: TableSpec;
  readonly position: number;
  readonly vtable: number;
  readonly vtableSize: number;
  readonly depth: number;
}

class Verifier {
  private readonly view: DataView;
  private tables = 0;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  root(spec: TableSpec): void {
    this.need(0, UOFFSET, 'the root offset');
    this.table(this.reference(0, `the ${spec.name} table`), spec, 0);
  }

  private table(position: number, spec: TableSpec, depth: number): void {
    if (depth > MAX_DEPTH) throw new FlatbufferError(`${spec.name} tables nest more than ${MAX_DEPTH} deep`, position);
    if (++this.tables > MAX_TABLES) throw new FlatbufferError(`more than ${MAX_TABLES} tables`, position);
    this.need(position, 4, `the ${spec.name} table`);
    const vtable = position - this.view.getInt32(position, true);
    this.need(vtable, 4, `the vtable of a ${spec.name} table`);
    const vtableSize = this.view.getUint16(vtable, true);
    const inlineSize = this.view.getUint16(vtable + 2, true);
    if (vtableSize < 4 || vtableSize % 2 !== 0) throw new FlatbufferError(`a ${spec.name} vtable of ${vtableSize} bytes`, vtable);
    this.need(vtable, vtableSize, `the vtable of a ${spec.name} table`);
    if (inlineSize < 4) throw new FlatbufferError(`a ${spec.name} table of ${inlineSize} bytes`, position);
    this.need(position, inlineSize, `the ${spec.name} table`);
    const slots = Math.min(spec.slots.length, (vtableSize - 4) / 2);
    const owner: TableAt = { spec, position, vtable, vtableSize, depth };
    for (let slot = 0; slot < slots; slot++) {
      const fieldOffset = this.view.getUint16(vtable + 4 + 2 * slot, true);
      if (fieldOffset === 0) continue;
      const kind = spec.slots[slot] as SlotKind;
      const width = kind.kind === 'scalar' ? kind.bytes : UOFFSET;
      const at = position + fieldOffset;
      if (fieldOffset + width > inlineSize) throw new FlatbufferError(`${spec.name}.${spec.slotNames?.[slot] ?? `field ${slot}`} lies outside its table`, at);
      this.slot(at, kind, slot, owner);
    }
  }

  /** Verify field `slot` (stored at `at`) of the table `owner`. */
  private slot(at: number, kind: SlotKind, slot: number, owner: TableAt): void {
    const { spec, position, vtable, vtableSize, depth } = owner;
    const what = `${spec.name}.${spec.slotNames?.[slot] ?? `field ${slot}`}`;
    switch (kind.kind) {
      case 'scalar':
        return;
      case 'string':
        this.string(this.reference(at, what), what);
        return;
      case 'table':
        this.table(this.reference(at, what), kind.table(), depth + 1);
        return;
      case 'union': {
        // The type byte is the slot before; absent means NONE.
        const typeSlot = 4 + 2 * (slot - 1);
        const typeOffset = slot > 0 && typeSlot < vtableSize ? this.view.getUint16(vtable + typeSlot, true) : 0;
        const type = typeOffset === 0 ? 0 : this.view.getUint8(position + typeOffset);
        if (type === 0) return;
        const member = kind.members()[type];
        if (member === undefined) throw new FlatbufferError(`unknown ${kind.what} type id ${type}`, position + typeOffset);
        if (member !== null) this.table(this.reference(at, what), member, depth + 1);
        return;
      }
      case 'tables': {
        const vector = this.reference(at, what);
        const length = this.vectorLength(vector, UOFFSET, what);
        const table = kind.table();
        for (let i = 0; i < length; i++) this.table(this.reference(vector + UOFFSET + i * UOFFSET, what), table, depth + 1);
        return;
      }
      case 'strings': {
        const vector = this.reference(at, what);
        const length = this.vectorLength(vector, UOFFSET, what);
        for (let i = 0; i < length; i++) this.string(this.reference(vector + UOFFSET + i * UOFFSET, what), what);
        return;
      }
      case 'inline':
        this.vectorLength(this.reference(at, what), kind.bytes, what);
        return;
    }
  }

  /** The element count of the vector at `vector`, after checking its elements fit the buffer. */
  private vectorLength(vector: number, elementBytes: number, what: string): number {
    this.need(vector, UOFFSET, `the length of ${what}`);
    const length = this.view.getUint32(vector, true);
    if (length * elementBytes > this.bytes.length - vector - UOFFSET) {
      throw new FlatbufferError(`${what} claims ${length} elements but the metadata has room for ${Math.floor((this.bytes.length - vector - UOFFSET) / elementBytes)}`, vector);
    }
    return length;
  }

  private string(position: number, what: string): void {
    const length = this.vectorLength(position, 1, what);
    this.need(position + UOFFSET + length, 1, `the terminator of a string in ${what}`);
  }

  /** The absolute position a uoffset at `at` points to. */
  private reference(at: number, what: string): number {
    this.need(at, UOFFSET, what);
    const target = at + this.view.getUint32(at, true);
    if (target >= this.bytes.length) throw new FlatbufferError(`${what} points outside the metadata (to ${target} of ${this.bytes.length} bytes)`, at);
    return target;
  }

  private need(position: number, length: number, what: string): void {
    if (position < 0 || position + length > this.bytes.length) {
      throw new FlatbufferError(`${what} lies outside the metadata (bytes ${position}..${position + length} of ${this.bytes.length})`, Math.max(0, Math.min(position, this.bytes.length)));
    }
  }
}
