/**
 * The FAISS side of the `faiss` engine, run by Debian's Python (`apt-get install -y python3-faiss`):
 * faiss-node does not install from npm here, and the Python bindings write the very files every
 * FAISS user reads. One job per run, described by a JSON file; one JSON line back on stdout.
 */
export const FAISS_SCRIPT = String.raw`
import hashlib, json, os, signal, sys

def die_with_parent():
    # If vectorclinic is killed mid-build, this process must not finish writing on its own.
    try:
        import ctypes
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)
    except Exception:
        pass
    if os.getppid() == 1:
        sys.exit(1)

def reply(payload, code=0):
    sys.stdout.write(json.dumps(payload) + "\n")
    sys.stdout.flush()
    sys.exit(code)

def main():
    die_with_parent()
    job = json.load(open(sys.argv[1]))
    try:
        import numpy as np
        import faiss
    except ImportError as error:
        reply({"error": "missing", "detail": str(error)}, 3)
    # One thread: HNSW construction is only reproducible single-threaded.
    faiss.omp_set_num_threads(1)
    ip = job["space"] == "ip"
    metric = faiss.METRIC_INNER_PRODUCT if ip else faiss.METRIC_L2
    params = job.get("params", {})
    op = job["op"]
    if op == "build":
        x = np.ascontiguousarray(np.load(job["vectors"]), dtype=np.float32)
        d = x.shape[1]
        kind = job["type"]
        if kind == "flat":
            index = faiss.IndexFlatIP(d) if ip else faiss.IndexFlatL2(d)
        elif kind == "hnsw":
            index = faiss.IndexHNSWFlat(d, int(params["M"]), metric)
            index.hnsw.efConstruction = int(params["efConstruction"])
            index.hnsw.efSearch = int(params["efSearch"])
        elif kind == "ivfpq":
            quantizer = faiss.IndexFlatIP(d) if ip else faiss.IndexFlatL2(d)
            index = faiss.IndexIVFPQ(quantizer, d, int(params["nlist"]), int(params["m"]), int(params["nbits"]), metric)
            train = np.ascontiguousarray(np.load(job["training"]), dtype=np.float32)
            index.cp.seed = 1234
            index.pq.cp.seed = 1234
            index.train(train)
            index.nprobe = int(params["nprobe"])
        else:
            reply({"error": "faiss", "detail": "unknown index type " + kind}, 4)
        index.add(x)
        faiss.write_index(index, job["out"])
        back = faiss.read_index(job["out"])
        result = {"ntotal": int(back.ntotal), "type": type(back).__name__}
        if kind == "ivfpq":
            # read_index already returns the IndexIVFPQ; re-wrapping it would free it under us.
            centroids = faiss.downcast_index(back.quantizer).reconstruct_n(0, back.nlist).astype(np.float32)
            codebook = faiss.vector_to_array(back.pq.centroids).astype(np.float32)
            result["codebookSha256"] = hashlib.sha256(centroids.tobytes() + codebook.tobytes()).hexdigest()
        reply(result)
    index = faiss.read_index(job["index"])
    if op == "count":
        reply({"ntotal": int(index.ntotal)})
    if op == "search":
        if "nprobe" in params:
            faiss.extract_index_ivf(index).nprobe = int(params["nprobe"])
        if "efSearch" in params and hasattr(index, "hnsw"):
            index.hnsw.efSearch = int(params["efSearch"])
        q = np.ascontiguousarray(np.load(job["queries"]), dtype=np.float32)
        _, ids = index.search(q, int(job["k"]))
        reply({"ids": ids.tolist()})
    reply({"error": "faiss", "detail": "unknown op " + op}, 4)

try:
    main()
except SystemExit:
    raise
except Exception as error:
    reply({"error": "faiss", "detail": type(error).__name__ + ": " + str(error)}, 4)
`;
