import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Field, Float32, List, Message, Schema, Struct, type DataType } from 'apache-arrow';
import { verifyArrowMessage } from './arrow-metadata.js';
import { FlatbufferError, MAX_DEPTH, MAX_TABLES } from './flatbuffer-verifier.js';

/** A schema message as apache-arrow writes it (the flatbuffer only, no framing). */
function schemaMessage(fields: Field[]): Uint8Array {
  return Message.encode(Message.from(new Schema(fields)));
}

/** The field `index` of the schema in a schema message, and where its children vector starts. */
function fieldAndChildren(bytes: Uint8Array, index: number): { field: number; children: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const slot = (table: number, n: number): number => {
    const vtable = table - view.getInt32(table, true);
    return table + view.getUint16(vtable + 4 + 2 * n, true);
  };
  const follow = (at: number): number => at + view.getUint32(at, true);
  const schema = follow(slot(follow(0), 2));
  const fields = follow(slot(schema, 1));
  const field = follow(fields + 4 + 4 * index);
  return { field, children: follow(slot(field, 5)) };
}

function refusal(bytes: Uint8Array): FlatbufferError {
  try {
    verifyArrowMessage(bytes);
  } catch (error) {
    assert.ok(error instanceof FlatbufferError, String(error));
    return error;
  }
  assert.fail('accepted');
}

test('real schemas pass: 2,000 columns, lists nested 20 deep', () => {
  verifyArrowMessage(schemaMessage(Array.from({ length: 2000 }, (_, i) => new Field(`c${i}`, new Float32()))));
  let type: DataType = new Float32();
  for (let depth = 0; depth < 20; depth++) type = new List(new Field('item', type));
  verifyArrowMessage(schemaMessage([new Field('deep', type)]));
});

test(`fields nested deeper than ${MAX_DEPTH} levels are refused`, () => {
  let type: DataType = new Float32();
  for (let depth = 0; depth < MAX_DEPTH + 5; depth++) type = new List(new Field('item', type));
  assert.match(refusal(schemaMessage([new Field('deep', type)])).message, /tables nest more than 64 deep/);
});

test('a field that lists itself as its child (a cycle) is refused: references only point forward', () => {
  const bytes = schemaMessage([new Field('s', new Struct([new Field('a', new Float32())]))]);
  const { field, children } = fieldAndChildren(bytes, 0);
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(children + 4, (field - (children + 4)) >>> 0, true);
  assert.match(refusal(bytes).message, /Field\.children points outside the metadata/);
});

test('shared children that multiply the work (8 levels × 10 children, all the next level) stop at the table budget', () => {
  const LEVELS = 8;
  const level = (depth: number): DataType => new Struct([new Field('next', depth + 1 < LEVELS ? level(depth + 1) : new Float32()), ...Array.from({ length: 9 }, (_, i) => new Field(`a${i}`, new Float32()))]);
  const bytes = schemaMessage([new Field('s', level(0))]);
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  let { children } = fieldAndChildren(bytes, 0);
  for (let depth = 0; depth < LEVELS; depth++) {
    const next = children + 4 + view.getUint32(children + 4, true);
    for (let i = 1; i < 10; i++) view.setUint32(children + 4 + 4 * i, next - (children + 4 + 4 * i), true);
    const vtable = next - view.getInt32(next, true);
    const slot = next + view.getUint16(vtable + 4 + 2 * 5, true);
    children = slot + view.getUint32(slot, true);
  }
  const started = performance.now();
  assert.match(refusal(bytes).message, new RegExp(`more than ${MAX_TABLES} tables`));
  assert.ok(performance.now() - started < 2000, 'refused quickly');
});

test('offsets, vtables and lengths outside the buffer are refused with the byte', () => {
  const bytes = schemaMessage([new Field('v', new Float32())]);
  const { children } = fieldAndChildren(bytes, 0);
  const huge = Uint8Array.from(bytes);
  new DataView(huge.buffer).setUint32(children, 0xffffffff, true);
  const error = refusal(huge);
  assert.match(error.message, /Field\.children claims 4294967295 elements/);
  assert.equal(error.at, children);
  const rootOutside = Uint8Array.from(bytes);
  new DataView(rootOutside.buffer).setUint32(0, bytes.length + 100, true);
  assert.match(refusal(rootOutside).message, /points outside the metadata/);
  assert.match(refusal(bytes.subarray(0, 3)).message, /the root offset lies outside the metadata/);
});
