/**
 * What the parser learns from a `faiss.write_index` file: one node per serialized index object,
 * nested as FAISS nests them (IDMap → PreTransform → IVF → quantizer, HNSW → storage). Large arrays
 * (vectors, codes, inverted lists, graph links) are recorded as file offsets, never read here.
 */

/** The fields `write_index_header` stores before every index body. */
export interface IndexHeader {
  readonly fourcc: string;
  /** Offset of the fourcc in the file. */
  readonly offset: number;
  readonly d: number;
  readonly ntotal: number;
  readonly isTrained: boolean;
  /** FAISS MetricType: 0 inner product, 1 L2, 2 L1, 3 Linf, 4 Lp, 20+ others. */
  readonly metricType: number;
  readonly metricArg?: number;
}

interface NodeBase {
  readonly header: IndexHeader;
  /** FAISS class name, e.g. IndexFlatIP, IndexIVFPQ. */
  readonly className: string;
}

export interface FlatNode extends NodeBase {
  readonly kind: 'flat';
  /** Offset of ntotal × d float32 values. */
  readonly vectorsOffset: number;
}

export interface ProductQuantizer {
  readonly d: number;
  readonly m: number;
  readonly nbits: number;
  readonly ksub: number;
  readonly dsub: number;
  /** Bytes per encoded vector: ⌈m · nbits / 8⌉. */
  readonly codeSize: number;
  /** [m][ksub][dsub] float32. */
  readonly centroids: Float32Array;
}

export interface ScalarQuantizer {
  readonly type: number;
  readonly typeName: string;
  readonly bits: number;
  readonly rangeStat: number;
  readonly rangeStatArg: number;
  readonly d: number;
  readonly codeSize: number;
  /** vmin then vdiff: per dimension (non-uniform types) or one each (uniform types); empty otherwise. */
  readonly trained: Float32Array;
}

export interface PqNode extends NodeBase {
  readonly kind: 'pq';
  readonly pq: ProductQuantizer;
  readonly codesOffset: number;
}

export interface SqNode extends NodeBase {
  readonly kind: 'sq';
  readonly sq: ScalarQuantizer;
  readonly codesOffset: number;
}

/** How IVF list entries are encoded. */
export type IvfEncoding =
  | { readonly kind: 'flat' }
  | { readonly kind: 'pq'; readonly pq: ProductQuantizer; readonly byResidual: boolean }
  | { readonly kind: 'sq'; readonly sq: ScalarQuantizer; readonly byResidual: boolean };

/** An `ilar` ArrayInvertedLists block: per list, n codes then n int64 ids, lists back to back. */
export interface InvertedListsLayout {
  readonly offset: number;
  readonly nlist: number;
  readonly codeSize: number;
  readonly sizes: Float64Array;
  /** Offset of each list's codes (meaningless for empty lists). */
  readonly codesOffsets: Float64Array;
  /** Offset of each list's int64 ids. */
  readonly idsOffsets: Float64Array;
  /** Sum of the list sizes. */
  readonly total: number;
}

export interface IvfNode extends NodeBase {
  readonly kind: 'ivf';
  readonly nlist: number;
  readonly nprobe: number;
  readonly quantizer: IndexNode;
  readonly encoding: IvfEncoding;
  readonly codeSize: number;
  readonly lists: InvertedListsLayout;
}

export interface HnswGraph {
  /** cum_nneighbor_per_level: neighbours of a node at level l are slots [cum[l], cum[l+1]) of its block. */
  readonly cumNeighbors: Int32Array;
  /** levels[i] = 1 + the top level of node i (int32 each). */
  readonly levelsOffset: number;
  /** offsets[i] = first slot of node i in `neighbors` (uint64 each, ntotal + 1 of them). */
  readonly offsetsOffset: number;
  readonly neighborsOffset: number;
  readonly neighborsCount: number;
  readonly entryPoint: number;
  readonly maxLevel: number;
  readonly efConstruction: number;
  readonly efSearch: number;
}

export interface HnswNode extends NodeBase {
  readonly kind: 'hnsw';
  readonly graph: HnswGraph;
  readonly storage: IndexNode;
}

export interface IdMapNode extends NodeBase {
  readonly kind: 'idmap';
  /** IndexIDMap2 (keeps a reverse map) rather than IndexIDMap: the same bytes on disk. */
  readonly two: boolean;
  readonly sub: IndexNode;
  /** Offset of ntotal int64 ids, in the sub-index's label order. */
  readonly idsOffset: number;
}

export interface PreTransformNode extends NodeBase {
  readonly kind: 'pretransform';
  readonly chain: readonly VectorTransform[];
  readonly sub: IndexNode;
}

export type IndexNode = FlatNode | PqNode | SqNode | IvfNode | HnswNode | IdMapNode | PreTransformNode;

interface TransformBase {
  readonly fourcc: string;
  readonly name: string;
  readonly dIn: number;
  readonly dOut: number;
  readonly isTrained: boolean;
}

/** y = A·x + b with A (dOut × dIn, row-major): PCA, random rotation, OPQ, ITQ matrices. */
export interface LinearTransform extends TransformBase {
  readonly kind: 'linear';
  readonly haveBias: boolean;
  readonly a: Float32Array;
  readonly b: Float32Array;
  /** PCAMatrix only: eigen_power (−0.5 whitens), eigenvalues, random_rotation. */
  readonly pca?: { readonly eigenPower: number; readonly randomRotation: boolean; readonly eigenvalues: Float32Array };
}

/** VNrm: divides each vector by its L2 norm (norm = 2). */
export interface NormalizationTransform extends TransformBase {
  readonly kind: 'normalize';
  readonly norm: number;
}

/** VCnt: subtracts the training mean. */
export interface CenteringTransform extends TransformBase {
  readonly kind: 'center';
  readonly mean: Float32Array;
}

/** RmDT: output j takes input map[j] (−1 = zero). */
export interface RemapTransform extends TransformBase {
  readonly kind: 'remap';
  readonly map: Int32Array;
}

/** Transforms we parse but do not re-apply to queries (ITQ with its nested matrices). */
export interface OpaqueTransform extends TransformBase {
  readonly kind: 'opaque';
}

export type VectorTransform = LinearTransform | NormalizationTransform | CenteringTransform | RemapTransform | OpaqueTransform;
