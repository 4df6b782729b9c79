/**
 * Every fourcc FAISS's `read_index` / `read_index_binary` knows (faiss/impl/index_read.cpp), with
 * the class it denotes. Used to sniff FAISS files and to name a type we recognise but do not read.
 */
export const SUPPORTED_INDEX_FOURCCS: Readonly<Record<string, string>> = {
  IxFI: 'IndexFlatIP',
  IxF2: 'IndexFlatL2',
  IxFl: 'IndexFlat',
  IxPq: 'IndexPQ',
  IxPo: 'IndexPQ',
  IxPQ: 'IndexPQ',
  IxSQ: 'IndexScalarQuantizer',
  IwFl: 'IndexIVFFlat',
  IwPQ: 'IndexIVFPQ',
  IwSq: 'IndexIVFScalarQuantizer',
  IwSQ: 'IndexIVFScalarQuantizer',
  IHNf: 'IndexHNSWFlat',
  IHNp: 'IndexHNSWPQ',
  IHNs: 'IndexHNSWSQ',
  IH00: 'IndexHNSW',
  IxMp: 'IndexIDMap',
  IxM2: 'IndexIDMap2',
  IxPT: 'IndexPreTransform',
};

/** Real FAISS types this reader does not decode (yet): named in the error instead of "unknown". */
export const UNSUPPORTED_INDEX_FOURCCS: Readonly<Record<string, string>> = {
  IxFP: 'IndexFlatL2Panorama',
  IxFp: 'IndexFlatIPPanorama',
  IxHe: 'IndexLSH',
  IxHE: 'IndexLSH',
  IxRq: 'IndexResidualQuantizer',
  IxRQ: 'IndexResidualQuantizer',
  IxLS: 'IndexLocalSearchQuantizer',
  IxPR: 'IndexProductResidualQuantizer',
  IxPL: 'IndexProductLocalSearchQuantizer',
  ImRQ: 'ResidualCoarseQuantizer',
  ILfs: 'IndexLocalSearchQuantizerFastScan',
  IRfs: 'IndexResidualQuantizerFastScan',
  IPRf: 'IndexProductResidualQuantizerFastScan',
  IPLf: 'IndexProductLocalSearchQuantizerFastScan',
  IVLf: 'IndexIVFLocalSearchQuantizerFastScan',
  IVRf: 'IndexIVFResidualQuantizerFastScan',
  NPLf: 'IndexIVFProductLocalSearchQuantizerFastScan',
  NPRf: 'IndexIVFProductResidualQuantizerFastScan',
  IvFl: 'IndexIVFFlat (pre-2017 format)',
  IvFL: 'IndexIVFFlat (pre-2017 format)',
  IwFd: 'IndexIVFFlatDedup',
  IwPn: 'IndexIVFFlatPanorama',
  IwP2: 'IndexIVFFlatPanorama',
  IxLa: 'IndexLattice',
  IvSQ: 'IndexIVFScalarQuantizer (pre-2017 format)',
  IwLS: 'IndexIVFLocalSearchQuantizer',
  IwRQ: 'IndexIVFResidualQuantizer',
  IwPL: 'IndexIVFProductLocalSearchQuantizer',
  IwPR: 'IndexIVFProductResidualQuantizer',
  IwSh: 'IndexIVFSpectralHash',
  IvPQ: 'IndexIVFPQ (pre-2017 format)',
  IvQR: 'IndexIVFPQR (pre-2017 format)',
  IwQR: 'IndexIVFPQR',
  IwIQ: 'IndexIVFIndependentQuantizer',
  Imiq: 'MultiIndexQuantizer',
  IxRF: 'IndexRefine',
  IxRP: 'IndexRefinePanorama',
  Ix2L: 'Index2Layer',
  IHN2: 'IndexHNSW2Level',
  IHNc: 'IndexHNSWCagra',
  IHc2: 'IndexHNSWCagra',
  IHfP: 'IndexHNSWFlatPanorama',
  INSf: 'IndexNSGFlat',
  INSp: 'IndexNSGPQ',
  INSs: 'IndexNSGSQ',
  INNf: 'IndexNNDescentFlat',
  IPfs: 'IndexPQFastScan',
  IwPf: 'IndexIVFPQFastScan',
  IRMf: 'IndexRowwiseMinMax',
  IRMh: 'IndexRowwiseMinMaxFP16',
  IxEd: 'IndexEDEN',
  IxEe: 'IndexEDEN',
  IwEd: 'IndexIVFEDEN',
  IwEe: 'IndexIVFEDEN',
  IBxF: 'IndexBinaryFlat',
  IBwF: 'IndexBinaryIVF',
  IBFf: 'IndexBinaryFromFloat',
  IBHf: 'IndexBinaryHNSW',
  IBHc: 'IndexBinaryHNSWCagra',
  IBMp: 'IndexBinaryIDMap',
  IBM2: 'IndexBinaryIDMap2',
  IBHh: 'IndexBinaryHash',
  IBHm: 'IndexBinaryMultiHash',
};

/** True when the first four bytes are a fourcc FAISS writes at the start of an index file. */
export function isFaissHead(head: Uint8Array): boolean {
  if (head.byteLength < 4) return false;
  const code = String.fromCharCode(head[0] as number, head[1] as number, head[2] as number, head[3] as number);
  return code in SUPPORTED_INDEX_FOURCCS || code in UNSUPPORTED_INDEX_FOURCCS;
}

/** A fourcc as printable text: control and high bytes shown as \xNN so errors stay one line. */
export function printableFourcc(code: string): string {
  return [...code].map((ch) => (ch >= ' ' && ch <= '~' ? ch : `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`)).join('');
}
