;; Fused exact top-k in WebAssembly SIMD128: scores of queries × rows computed in register tiles and
;; offered straight to per-query top-k lists, so the score matrix never exists in memory. Driven by
;; src/math/exact-top-k.ts (on the calling thread) and src/math/exact-top-k-worker.ts (one per
;; extra core), all instances sharing one imported memory; compiled by scripts/build-wasm.mjs.
;;
;; Results match `exactSearch` (src/math/top-k.ts over the `dot` kernel of kernels.wat):
;;   - each dot product accumulates lane-wise over 4-float chunks in order, masks the tail, and
;;     sums the lanes as (l0 + l1) + (l2 + l3), which is how kernels.wat's 4 × 2 and 1 × 4 tiles
;;     round, whatever tile a pair lands in here;
;;   - cosine normalizes rows the way `normalizedCopy` does (float64 sum in row order, float32 norm);
;;   - L2 ranks by 2 q·x − ‖x‖² in float64, ‖x‖² being the float32 square of the float32 norm;
;;   - a list keeps the row seen first among equal scores; NaN never ranks.
;; Scores in the lists are float64 so lists of separate threads merge exactly.
;; The caller leaves 16 readable bytes after every array (a row's tail is one masked 16-byte load).
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; Set by each `search` call; per instance, so per thread.
  (global $mode (mut i32) (i32.const 0))        ;; 0 inner product, 1 or 3 cosine, 2 L2
  (global $k (mut i32) (i32.const 0))
  (global $best_scores (mut i32) (i32.const 0)) ;; f64 × k per query, best first
  (global $best_ids (mut i32) (i32.const 0))    ;; i32 × k per query
  (global $sizes (mut i32) (i32.const 0))       ;; i32 per query: entries filled so far
  (global $terms (mut i32) (i32.const 0))       ;; f32 per row (L2: ‖x‖²)
  (global $first_id (mut i32) (i32.const 0))    ;; id of the row at x
  (global $excluded (mut i32) (i32.const 0))    ;; u8 per row id, non-zero = never ranks; 0 = no mask

  ;; --- row preparation ----------------------------------------------------------------------
  ;; mode 1: normalize `count` rows of `dim` floats at `x` in place (zero or non-finite norm → 0);
  ;; mode 3: the same, but such rows become NaN (never rank); mode 2: terms[r] = ‖x_r‖² as above;
  ;; mode 0: nothing.
  (func (export "prepare_rows") (param $x i32) (param $count i32) (param $dim i32) (param $mode i32) (param $terms i32)
    (local $r i32) (local $p i32) (local $end i32) (local $sum f64) (local $v f64) (local $norm f32) (local $scale f64)
    (if (i32.eqz (local.get $mode)) (then (return)))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $r) (local.get $count)))
        (local.set $end (i32.add (local.get $x) (i32.shl (local.get $dim) (i32.const 2))))
        (local.set $sum (f64.const 0))
        (local.set $p (local.get $x))
        (block $sum_done
          (loop $sum_loop
            (br_if $sum_done (i32.ge_u (local.get $p) (local.get $end)))
            (local.set $v (f64.promote_f32 (f32.load (local.get $p))))
            (local.set $sum (f64.add (local.get $sum) (f64.mul (local.get $v) (local.get $v))))
            (local.set $p (i32.add (local.get $p) (i32.const 4)))
            (br $sum_loop)))
        (local.set $norm (f32.demote_f64 (f64.sqrt (local.get $sum))))
        (if (i32.eq (local.get $mode) (i32.const 2))
          (then
            (f32.store (i32.add (local.get $terms) (i32.shl (local.get $r) (i32.const 2)))
              (f32.demote_f64 (f64.mul (f64.promote_f32 (local.get $norm)) (f64.promote_f32 (local.get $norm))))))
          (else
            ;; A zero (or NaN) row stays zero (mode 1), or becomes NaN so it never ranks (mode 3).
            (local.set $scale
              (select (f64.div (f64.const 1) (f64.promote_f32 (local.get $norm)))
                (select (f64.const nan) (f64.const 0) (i32.eq (local.get $mode) (i32.const 3)))
                (f32.gt (local.get $norm) (f32.const 0))))
            (local.set $p (local.get $x))
            (block $scale_done
              (loop $scale_loop
                (br_if $scale_done (i32.ge_u (local.get $p) (local.get $end)))
                (f32.store (local.get $p)
                  (f32.demote_f64 (f64.mul (f64.promote_f32 (f32.load (local.get $p))) (local.get $scale))))
                (local.set $p (i32.add (local.get $p) (i32.const 4)))
                (br $scale_loop)))))
        (local.set $x (local.get $end))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows))))

  ;; --- search -------------------------------------------------------------------------------
  ;; Offers every (query, row) pair of `nq` queries at `q` and `nx` rows at `x` to the queries'
  ;; lists. Rows are taken `block_rows` at a time (sized by the caller to stay in L2 cache) and
  ;; every query passes over a block before the next block is read.
  (func (export "search")
    (param $q i32) (param $nq i32) (param $x i32) (param $nx i32) (param $dim i32)
    (param $terms i32) (param $mode i32) (param $k i32)
    (param $best_scores i32) (param $best_ids i32) (param $sizes i32) (param $first_id i32) (param $block_rows i32)
    (param $excluded i32)
    (local $row_bytes i32) (local $tail_mask v128) (local $b0 i32) (local $b_end i32) (local $i i32) (local $r i32)
    (global.set $mode (local.get $mode))
    (global.set $k (local.get $k))
    (global.set $best_scores (local.get $best_scores))
    (global.set $best_ids (local.get $best_ids))
    (global.set $sizes (local.get $sizes))
    (global.set $terms (local.get $terms))
    (global.set $first_id (local.get $first_id))
    (global.set $excluded (local.get $excluded))
    (local.set $row_bytes (i32.shl (local.get $dim) (i32.const 2)))
    (local.set $tail_mask
      (i32x4.lt_u (v128.const i32x4 0 1 2 3) (i32x4.splat (i32.and (local.get $dim) (i32.const 3)))))
    (block $blocks_done
      (loop $blocks
        (br_if $blocks_done (i32.ge_u (local.get $b0) (local.get $nx)))
        (local.set $b_end (i32.add (local.get $b0) (local.get $block_rows)))
        (if (i32.gt_u (local.get $b_end) (local.get $nx)) (then (local.set $b_end (local.get $nx))))
        ;; Pairs of queries × 4 rows.
        (local.set $i (i32.const 0))
        (block $pairs_done
          (loop $pairs
            (br_if $pairs_done (i32.gt_u (i32.add (local.get $i) (i32.const 2)) (local.get $nq)))
            (local.set $r (local.get $b0))
            (block $quads_done
              (loop $quads
                (br_if $quads_done (i32.gt_u (i32.add (local.get $r) (i32.const 4)) (local.get $b_end)))
                (call $tile_2x4 (local.get $q) (local.get $i) (local.get $x) (local.get $r)
                  (local.get $dim) (local.get $row_bytes) (local.get $tail_mask))
                (local.set $r (i32.add (local.get $r) (i32.const 4)))
                (br $quads)))
            (block $rest_done
              (loop $rest
                (br_if $rest_done (i32.ge_u (local.get $r) (local.get $b_end)))
                (call $tile_1x1 (local.get $q) (local.get $i) (local.get $x) (local.get $r)
                  (local.get $dim) (local.get $row_bytes) (local.get $tail_mask))
                (call $tile_1x1 (local.get $q) (i32.add (local.get $i) (i32.const 1)) (local.get $x) (local.get $r)
                  (local.get $dim) (local.get $row_bytes) (local.get $tail_mask))
                (local.set $r (i32.add (local.get $r) (i32.const 1)))
                (br $rest)))
            (local.set $i (i32.add (local.get $i) (i32.const 2)))
            (br $pairs)))
        ;; An odd last query.
        (if (i32.lt_u (local.get $i) (local.get $nq))
          (then
            (local.set $r (local.get $b0))
            (block $quads1_done
              (loop $quads1
                (br_if $quads1_done (i32.gt_u (i32.add (local.get $r) (i32.const 4)) (local.get $b_end)))
                (call $tile_1x4 (local.get $q) (local.get $i) (local.get $x) (local.get $r)
                  (local.get $dim) (local.get $row_bytes) (local.get $tail_mask))
                (local.set $r (i32.add (local.get $r) (i32.const 4)))
                (br $quads1)))
            (block $rest1_done
              (loop $rest1
                (br_if $rest1_done (i32.ge_u (local.get $r) (local.get $b_end)))
                (call $tile_1x1 (local.get $q) (local.get $i) (local.get $x) (local.get $r)
                  (local.get $dim) (local.get $row_bytes) (local.get $tail_mask))
                (local.set $r (i32.add (local.get $r) (i32.const 1)))
                (br $rest1)))))
        (local.set $b0 (local.get $b_end))
        (br $blocks))))

  (func $hsum (param $v v128) (result f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  ;; [hsum(s0), hsum(s1), hsum(s2), hsum(s3)] by two rounds of pairwise adds over shuffled lanes:
  ;; each lane still sums as (l0 + l1) + (l2 + l3), in 6 shuffles and 3 adds instead of 16 extracts.
  (func $hsum4 (param $s0 v128) (param $s1 v128) (param $s2 v128) (param $s3 v128) (result v128)
    (local $w01 v128) (local $w23 v128)
    (local.set $w01 (f32x4.add
      (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $s0) (local.get $s1))
      (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $s0) (local.get $s1))))
    (local.set $w23 (f32x4.add
      (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $s2) (local.get $s3))
      (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $s2) (local.get $s3))))
    (f32x4.add
      (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $w01) (local.get $w23))
      (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $w01) (local.get $w23))))

  ;; Queries i, i+1 × rows r..r+3: 8 accumulators, 4 row loads and 2 query loads per 4 floats
  ;; (14 of x64's 16 vector registers with the product temporary: no spills).
  (func $tile_2x4
    (param $q i32) (param $i i32) (param $x i32) (param $r i32) (param $dim i32) (param $row_bytes i32) (param $tail_mask v128)
    (local $j i32) (local $full i32) (local $a0 i32) (local $a1 i32) (local $b0 i32) (local $b1 i32) (local $b2 i32) (local $b3 i32)
    (local $x0 v128) (local $x1 v128) (local $y0 v128) (local $y1 v128) (local $y2 v128) (local $y3 v128)
    (local $s00 v128) (local $s01 v128) (local $s02 v128) (local $s03 v128)
    (local $s10 v128) (local $s11 v128) (local $s12 v128) (local $s13 v128)
    (local.set $a0 (i32.add (local.get $q) (i32.mul (local.get $i) (local.get $row_bytes))))
    (local.set $a1 (i32.add (local.get $a0) (local.get $row_bytes)))
    (local.set $b0 (i32.add (local.get $x) (i32.mul (local.get $r) (local.get $row_bytes))))
    (local.set $b1 (i32.add (local.get $b0) (local.get $row_bytes)))
    (local.set $b2 (i32.add (local.get $b1) (local.get $row_bytes)))
    (local.set $b3 (i32.add (local.get $b2) (local.get $row_bytes)))
    (local.set $full (i32.shl (i32.and (local.get $dim) (i32.const -4)) (i32.const 2)))
    (block $done
      (loop $chunks
        (br_if $done (i32.ge_u (local.get $j) (local.get $full)))
        (local.set $y0 (v128.load (i32.add (local.get $b0) (local.get $j))))
        (local.set $y1 (v128.load (i32.add (local.get $b1) (local.get $j))))
        (local.set $y2 (v128.load (i32.add (local.get $b2) (local.get $j))))
        (local.set $y3 (v128.load (i32.add (local.get $b3) (local.get $j))))
        (local.set $x0 (v128.load (i32.add (local.get $a0) (local.get $j))))
        (local.set $x1 (v128.load (i32.add (local.get $a1) (local.get $j))))
        (local.set $s00 (f32x4.add (local.get $s00) (f32x4.mul (local.get $x0) (local.get $y0))))
        (local.set $s01 (f32x4.add (local.get $s01) (f32x4.mul (local.get $x0) (local.get $y1))))
        (local.set $s02 (f32x4.add (local.get $s02) (f32x4.mul (local.get $x0) (local.get $y2))))
        (local.set $s03 (f32x4.add (local.get $s03) (f32x4.mul (local.get $x0) (local.get $y3))))
        (local.set $s10 (f32x4.add (local.get $s10) (f32x4.mul (local.get $x1) (local.get $y0))))
        (local.set $s11 (f32x4.add (local.get $s11) (f32x4.mul (local.get $x1) (local.get $y1))))
        (local.set $s12 (f32x4.add (local.get $s12) (f32x4.mul (local.get $x1) (local.get $y2))))
        (local.set $s13 (f32x4.add (local.get $s13) (f32x4.mul (local.get $x1) (local.get $y3))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $chunks)))
    (if (i32.and (local.get $dim) (i32.const 3))
      (then
        ;; Mask both sides: the bytes past a row belong to the next row and may hold NaN/Inf.
        (local.set $y0 (v128.and (v128.load (i32.add (local.get $b0) (local.get $j))) (local.get $tail_mask)))
        (local.set $y1 (v128.and (v128.load (i32.add (local.get $b1) (local.get $j))) (local.get $tail_mask)))
        (local.set $y2 (v128.and (v128.load (i32.add (local.get $b2) (local.get $j))) (local.get $tail_mask)))
        (local.set $y3 (v128.and (v128.load (i32.add (local.get $b3) (local.get $j))) (local.get $tail_mask)))
        (local.set $x0 (v128.and (v128.load (i32.add (local.get $a0) (local.get $j))) (local.get $tail_mask)))
        (local.set $x1 (v128.and (v128.load (i32.add (local.get $a1) (local.get $j))) (local.get $tail_mask)))
        (local.set $s00 (f32x4.add (local.get $s00) (f32x4.mul (local.get $x0) (local.get $y0))))
        (local.set $s01 (f32x4.add (local.get $s01) (f32x4.mul (local.get $x0) (local.get $y1))))
        (local.set $s02 (f32x4.add (local.get $s02) (f32x4.mul (local.get $x0) (local.get $y2))))
        (local.set $s03 (f32x4.add (local.get $s03) (f32x4.mul (local.get $x0) (local.get $y3))))
        (local.set $s10 (f32x4.add (local.get $s10) (f32x4.mul (local.get $x1) (local.get $y0))))
        (local.set $s11 (f32x4.add (local.get $s11) (f32x4.mul (local.get $x1) (local.get $y1))))
        (local.set $s12 (f32x4.add (local.get $s12) (f32x4.mul (local.get $x1) (local.get $y2))))
        (local.set $s13 (f32x4.add (local.get $s13) (f32x4.mul (local.get $x1) (local.get $y3))))))
    (call $consider4 (local.get $i) (local.get $r)
      (call $hsum4 (local.get $s00) (local.get $s01) (local.get $s02) (local.get $s03)))
    (call $consider4 (i32.add (local.get $i) (i32.const 1)) (local.get $r)
      (call $hsum4 (local.get $s10) (local.get $s11) (local.get $s12) (local.get $s13))))

  ;; Query i × rows r..r+3.
  (func $tile_1x4
    (param $q i32) (param $i i32) (param $x i32) (param $r i32) (param $dim i32) (param $row_bytes i32) (param $tail_mask v128)
    (local $j i32) (local $full i32) (local $a0 i32) (local $b0 i32) (local $b1 i32) (local $b2 i32) (local $b3 i32)
    (local $x0 v128) (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local.set $a0 (i32.add (local.get $q) (i32.mul (local.get $i) (local.get $row_bytes))))
    (local.set $b0 (i32.add (local.get $x) (i32.mul (local.get $r) (local.get $row_bytes))))
    (local.set $b1 (i32.add (local.get $b0) (local.get $row_bytes)))
    (local.set $b2 (i32.add (local.get $b1) (local.get $row_bytes)))
    (local.set $b3 (i32.add (local.get $b2) (local.get $row_bytes)))
    (local.set $full (i32.shl (i32.and (local.get $dim) (i32.const -4)) (i32.const 2)))
    (block $done
      (loop $chunks
        (br_if $done (i32.ge_u (local.get $j) (local.get $full)))
        (local.set $x0 (v128.load (i32.add (local.get $a0) (local.get $j))))
        (local.set $s0 (f32x4.add (local.get $s0) (f32x4.mul (local.get $x0) (v128.load (i32.add (local.get $b0) (local.get $j))))))
        (local.set $s1 (f32x4.add (local.get $s1) (f32x4.mul (local.get $x0) (v128.load (i32.add (local.get $b1) (local.get $j))))))
        (local.set $s2 (f32x4.add (local.get $s2) (f32x4.mul (local.get $x0) (v128.load (i32.add (local.get $b2) (local.get $j))))))
        (local.set $s3 (f32x4.add (local.get $s3) (f32x4.mul (local.get $x0) (v128.load (i32.add (local.get $b3) (local.get $j))))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $chunks)))
    (if (i32.and (local.get $dim) (i32.const 3))
      (then
        (local.set $x0 (v128.and (v128.load (i32.add (local.get $a0) (local.get $j))) (local.get $tail_mask)))
        (local.set $s0 (f32x4.add (local.get $s0)
          (f32x4.mul (local.get $x0) (v128.and (v128.load (i32.add (local.get $b0) (local.get $j))) (local.get $tail_mask)))))
        (local.set $s1 (f32x4.add (local.get $s1)
          (f32x4.mul (local.get $x0) (v128.and (v128.load (i32.add (local.get $b1) (local.get $j))) (local.get $tail_mask)))))
        (local.set $s2 (f32x4.add (local.get $s2)
          (f32x4.mul (local.get $x0) (v128.and (v128.load (i32.add (local.get $b2) (local.get $j))) (local.get $tail_mask)))))
        (local.set $s3 (f32x4.add (local.get $s3)
          (f32x4.mul (local.get $x0) (v128.and (v128.load (i32.add (local.get $b3) (local.get $j))) (local.get $tail_mask)))))))
    (call $consider4 (local.get $i) (local.get $r)
      (call $hsum4 (local.get $s0) (local.get $s1) (local.get $s2) (local.get $s3))))

  ;; Query i × row r, with one accumulator (the same rounding as the tiles).
  (func $tile_1x1
    (param $q i32) (param $i i32) (param $x i32) (param $r i32) (param $dim i32) (param $row_bytes i32) (param $tail_mask v128)
    (local $j i32) (local $full i32) (local $a0 i32) (local $b0 i32) (local $s v128)
    (local.set $a0 (i32.add (local.get $q) (i32.mul (local.get $i) (local.get $row_bytes))))
    (local.set $b0 (i32.add (local.get $x) (i32.mul (local.get $r) (local.get $row_bytes))))
    (local.set $full (i32.shl (i32.and (local.get $dim) (i32.const -4)) (i32.const 2)))
    (block $done
      (loop $chunks
        (br_if $done (i32.ge_u (local.get $j) (local.get $full)))
        (local.set $s (f32x4.add (local.get $s)
          (f32x4.mul (v128.load (i32.add (local.get $a0) (local.get $j))) (v128.load (i32.add (local.get $b0) (local.get $j))))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $chunks)))
    (if (i32.and (local.get $dim) (i32.const 3))
      (then
        (local.set $s (f32x4.add (local.get $s)
          (f32x4.mul
            (v128.and (v128.load (i32.add (local.get $a0) (local.get $j))) (local.get $tail_mask))
            (v128.and (v128.load (i32.add (local.get $b0) (local.get $j))) (local.get $tail_mask)))))))
    (call $offer (local.get $i) (local.get $r) (call $exact (call $hsum (local.get $s)) (local.get $r))))

  ;; --- selection ----------------------------------------------------------------------------
  ;; The float64 ranking score of a dot product with row r.
  (func $exact (param $dot f32) (param $r i32) (result f64)
    (if (result f64) (i32.eq (global.get $mode) (i32.const 2))
      (then
        (f64.sub (f64.mul (f64.const 2) (f64.promote_f32 (local.get $dot)))
          (f64.promote_f32 (f32.load (i32.add (global.get $terms) (i32.shl (local.get $r) (i32.const 2)))))))
      (else (f64.promote_f32 (local.get $dot)))))

  ;; Dots of query i with rows r..r+3. A float32 pre-filter skips the four when none can enter the
  ;; list: rounding is monotonic, so a float64 score above the (float32-rounded) k-th best never
  ;; rounds below it.
  (func $consider4 (param $i i32) (param $r i32) (param $dots v128)
    (local $scores v128) (local $threshold f32) (local $size i32)
    (local.set $scores (local.get $dots))
    (if (i32.eq (global.get $mode) (i32.const 2))
      (then
        (local.set $scores
          (f32x4.sub (f32x4.add (local.get $dots) (local.get $dots))
            (v128.load (i32.add (global.get $terms) (i32.shl (local.get $r) (i32.const 2))))))))
    (local.set $size (i32.load (i32.add (global.get $sizes) (i32.shl (local.get $i) (i32.const 2)))))
    (if (i32.ge_u (local.get $size) (global.get $k))
      (then
        (local.set $threshold
          (f32.demote_f64 (f64.load (i32.add (global.get $best_scores)
            (i32.shl (i32.sub (i32.mul (i32.add (local.get $i) (i32.const 1)) (global.get $k)) (i32.const 1)) (i32.const 3))))))
        (if (i32.eqz (v128.any_true (f32x4.ge (local.get $scores) (f32x4.splat (local.get $threshold)))))
          (then (return)))))
    (call $offer (local.get $i) (local.get $r) (call $exact (f32x4.extract_lane 0 (local.get $dots)) (local.get $r)))
    (call $offer (local.get $i) (i32.add (local.get $r) (i32.const 1))
      (call $exact (f32x4.extract_lane 1 (local.get $dots)) (i32.add (local.get $r) (i32.const 1))))
    (call $offer (local.get $i) (i32.add (local.get $r) (i32.const 2))
      (call $exact (f32x4.extract_lane 2 (local.get $dots)) (i32.add (local.get $r) (i32.const 2))))
    (call $offer (local.get $i) (i32.add (local.get $r) (i32.const 3))
      (call $exact (f32x4.extract_lane 3 (local.get $dots)) (i32.add (local.get $r) (i32.const 3)))))

  ;; Insert row r (id first_id + r) into query i's sorted list when it beats the k-th best and is not excluded.
  (func $offer (param $i i32) (param $r i32) (param $score f64)
    (local $size_at i32) (local $size i32) (local $pos i32) (local $scores i32) (local $ids i32) (local $prev f64)
    (if (f64.ne (local.get $score) (local.get $score)) (then (return)))
    (if (global.get $excluded)
      (then
        (if (i32.load8_u (i32.add (global.get $excluded) (i32.add (global.get $first_id) (local.get $r))))
          (then (return)))))
    (local.set $scores (i32.add (global.get $best_scores) (i32.shl (i32.mul (local.get $i) (global.get $k)) (i32.const 3))))
    (local.set $ids (i32.add (global.get $best_ids) (i32.shl (i32.mul (local.get $i) (global.get $k)) (i32.const 2))))
    (local.set $size_at (i32.add (global.get $sizes) (i32.shl (local.get $i) (i32.const 2))))
    (local.set $size (i32.load (local.get $size_at)))
    (if (i32.lt_u (local.get $size) (global.get $k))
      (then
        (local.set $pos (local.get $size))
        (i32.store (local.get $size_at) (i32.add (local.get $size) (i32.const 1))))
      (else
        (local.set $pos (i32.sub (global.get $k) (i32.const 1)))
        (if (i32.eqz (f64.gt (local.get $score)
              (f64.load (i32.add (local.get $scores) (i32.shl (local.get $pos) (i32.const 3))))))
          (then (return)))))
    (block $placed
      (loop $shift
        (br_if $placed (i32.eqz (local.get $pos)))
        (local.set $prev (f64.load (i32.add (local.get $scores) (i32.shl (i32.sub (local.get $pos) (i32.const 1)) (i32.const 3)))))
        (br_if $placed (i32.eqz (f64.lt (local.get $prev) (local.get $score))))
        (f64.store (i32.add (local.get $scores) (i32.shl (local.get $pos) (i32.const 3))) (local.get $prev))
        (i32.store (i32.add (local.get $ids) (i32.shl (local.get $pos) (i32.const 2)))
          (i32.load (i32.add (local.get $ids) (i32.shl (i32.sub (local.get $pos) (i32.const 1)) (i32.const 2)))))
        (local.set $pos (i32.sub (local.get $pos) (i32.const 1)))
        (br $shift)))
    (f64.store (i32.add (local.get $scores) (i32.shl (local.get $pos) (i32.const 3))) (local.get $score))
    (i32.store (i32.add (local.get $ids) (i32.shl (local.get $pos) (i32.const 2)))
      (i32.add (global.get $first_id) (local.get $r))))

  ;; --- widening ---------------------------------------------------------------------------------
  ;; `count` stored values at `src` → float32 at `dst`, little-endian, any alignment. Storage: 1 float16,
  ;; 2 bfloat16, 3 int8, 4 uint8 (codes of STORED_ELEMENT_CODES in exact-top-k.ts). Each thread widens
  ;; its own slice of a chunk, so rows keep their stored size in memory until just before they are scored.
  ;; Writes exactly `count` floats: the tail is converted one value at a time.
  (func (export "widen") (param $src i32) (param $dst i32) (param $count i32) (param $storage i32)
    (local $i i32) (local $full i32) (local $bytes i32) (local $end i32) (local $h v128) (local $m v128)
    (local.set $bytes (select (i32.const 2) (i32.const 1) (i32.le_u (local.get $storage) (i32.const 2))))
    (local.set $full (i32.and (local.get $count) (i32.const -4)))
    ;; One loop per type, conversions written out: the hot loop neither branches on the type nor calls.
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $full) (i32.const 2))))
    (block $simd_done
      (if (i32.eq (local.get $storage) (i32.const 1))
        (then
          (loop $half
            (br_if $simd_done (i32.ge_u (local.get $dst) (local.get $end)))
            (local.set $h (v128.load16x4_u (local.get $src)))
            (local.set $m (i32x4.shl (v128.and (local.get $h) (v128.const i32x4 0x7fff 0x7fff 0x7fff 0x7fff)) (i32.const 13)))
            ;; $half4, written out.
            (v128.store (local.get $dst)
              (v128.or
                (v128.bitselect
                  (v128.or (local.get $m) (v128.const i32x4 0x7f800000 0x7f800000 0x7f800000 0x7f800000))
                  (f32x4.mul (local.get $m) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112))
                  (i32x4.eq (v128.and (local.get $h) (v128.const i32x4 0x7c00 0x7c00 0x7c00 0x7c00)) (v128.const i32x4 0x7c00 0x7c00 0x7c00 0x7c00)))
                (i32x4.shl (v128.and (local.get $h) (v128.const i32x4 0x8000 0x8000 0x8000 0x8000)) (i32.const 16))))
            (local.set $src (i32.add (local.get $src) (i32.const 8)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
            (br $half))))
      (if (i32.eq (local.get $storage) (i32.const 2))
        (then
          (loop $brain
            (br_if $simd_done (i32.ge_u (local.get $dst) (local.get $end)))
            (v128.store (local.get $dst) (i32x4.shl (v128.load16x4_u (local.get $src)) (i32.const 16)))
            (local.set $src (i32.add (local.get $src) (i32.const 8)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
            (br $brain))))
      (if (i32.eq (local.get $storage) (i32.const 3))
        (then
          (loop $signed
            (br_if $simd_done (i32.ge_u (local.get $dst) (local.get $end)))
            (v128.store (local.get $dst)
              (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_s (i16x8.extend_low_i8x16_s (v128.load32_zero (local.get $src))))))
            (local.set $src (i32.add (local.get $src) (i32.const 4)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
            (br $signed))))
      (loop $unsigned
        (br_if $simd_done (i32.ge_u (local.get $dst) (local.get $end)))
        (v128.store (local.get $dst)
          (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_u (i16x8.extend_low_i8x16_u (v128.load32_zero (local.get $src))))))
        (local.set $src (i32.add (local.get $src) (i32.const 4)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (br $unsigned)))
    ;; The last count % 4 values, one at a time (never a store past the last).
    (local.set $i (local.get $full))
    (block $tail_done
      (loop $tail
        (br_if $tail_done (i32.ge_u (local.get $i) (local.get $count)))
        (f32.store (local.get $dst)
          (f32x4.extract_lane 0 (call $widen4 (i32x4.splat (call $load1 (local.get $src) (local.get $storage))) (local.get $storage))))
        (local.set $src (i32.add (local.get $src) (local.get $bytes)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $tail))))

  ;; One stored value as an i32: 16-bit patterns zero-extended, int8 sign-extended, uint8 zero-extended.
  (func $load1 (param $at i32) (param $storage i32) (result i32)
    (if (result i32) (i32.le_u (local.get $storage) (i32.const 2))
      (then (i32.load16_u (local.get $at)))
      (else
        (if (result i32) (i32.eq (local.get $storage) (i32.const 3))
          (then (i32.load8_s (local.get $at)))
          (else (i32.load8_u (local.get $at)))))))

;; float16: the 15 magnitude bits moved into float32's place and scaled by 2^112, exact for normal and
  ;; subnormal halves alike; Inf/NaN (all-ones exponent) get float32's all-ones exponent; the sign is
  ;; copied. Lanes hold the 16-bit patterns zero-extended.
  (func $half4 (param $x v128) (result v128)
    (local $magnitude v128)
    (local.set $magnitude (i32x4.shl (v128.and (local.get $x) (v128.const i32x4 0x7fff 0x7fff 0x7fff 0x7fff)) (i32.const 13)))
    (v128.or
      (v128.bitselect
        (v128.or (local.get $magnitude) (v128.const i32x4 0x7f800000 0x7f800000 0x7f800000 0x7f800000))
        (f32x4.mul (local.get $magnitude) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112))
        (i32x4.eq (v128.and (local.get $x) (v128.const i32x4 0x7c00 0x7c00 0x7c00 0x7c00)) (v128.const i32x4 0x7c00 0x7c00 0x7c00 0x7c00)))
      (i32x4.shl (v128.and (local.get $x) (v128.const i32x4 0x8000 0x8000 0x8000 0x8000)) (i32.const 16))))

  ;; Lanes of stored values (as $load1 gives them) widened: bfloat16 is the high half of a float32,
  ;; integers convert exactly.
  (func $widen4 (param $x v128) (param $storage i32) (result v128)
    (if (result v128) (i32.eq (local.get $storage) (i32.const 1))
      (then (call $half4 (local.get $x)))
      (else
        (if (result v128) (i32.eq (local.get $storage) (i32.const 2))
          (then (i32x4.shl (local.get $x) (i32.const 16)))
          (else (f32x4.convert_i32x4_s (local.get $x)))))))
)
