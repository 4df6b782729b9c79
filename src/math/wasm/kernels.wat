;; WebAssembly SIMD128 kernels behind the `Kernels` interface (src/math/kernels.ts), loaded by
;; src/math/kernels-wasm.ts and compiled by scripts/build-wasm.mjs.
;;
;; Written by hand rather than taken from a package: per ../shared/DEPENDENCIES.md, simsimd pays
;; ~85 ns per call from JavaScript, so for 128-d rows a loop that stays inside WebAssembly for a
;; whole block of rows is several times faster (23-30 vs 3 GFLOP/s measured).
;;
;; Memory is shared so that growing it never detaches the typed-array views JavaScript holds on it
;; (a growing non-shared memory replaces its ArrayBuffer and empties every old view).
;; Every pointer is a byte offset; the caller leaves 16 readable bytes after each array because
;; the tail of a row whose dim is not a multiple of 4 is read as one 16-byte load and masked.
(module
  (memory (export "memory") 1 65536 shared)

  ;; --- row scan ----------------------------------------------------------------------------
  ;; For `count` rows of `dim` float32 at `data`:
  ;;   norms[r]      f32 squared L2 norm, accumulated in float64 like the JS reference
  ;;   flags[r]      u8  1 = a NaN/Inf value, 2 = every value is ±0
  ;;   hash_low[r], hash_high[r]  u32 halves of the lane-wise row hash (`hashRowWords`)
  ;;   columns[j]    u32 += 1 for every row whose value in column j is non-zero (±0 is zero);
  ;;                 the column array must be padded to a multiple of 4 entries.
  (func $scan_rows (export "scan_rows")
    (param $data i32) (param $count i32) (param $dim i32)
    (param $norms i32) (param $flags i32) (param $hash_low i32) (param $hash_high i32) (param $columns i32)
    (local $r i32) (local $row_bytes i32) (local $tail_mask v128) (local $has_tail i32)
    (local.set $row_bytes (i32.shl (local.get $dim) (i32.const 2)))
    (local.set $tail_mask
      (i32x4.lt_u (v128.const i32x4 0 1 2 3) (i32x4.splat (i32.and (local.get $dim) (i32.const 3)))))
    (local.set $has_tail (i32.ne (i32.and (local.get $dim) (i32.const 3)) (i32.const 0)))
    ;; Two rows at a time: their hash chains are independent, so the multiplies overlap.
    (block $pairs_done
      (loop $pairs
        (br_if $pairs_done (i32.gt_u (i32.add (local.get $r) (i32.const 2)) (local.get $count)))
        (call $scan_pair
          (i32.add (local.get $data) (i32.mul (local.get $r) (local.get $row_bytes)))
          (local.get $r) (local.get $dim) (local.get $row_bytes) (local.get $tail_mask) (local.get $has_tail)
          (local.get $norms) (local.get $flags) (local.get $hash_low) (local.get $hash_high) (local.get $columns))
        (local.set $r (i32.add (local.get $r) (i32.const 2)))
        (br $pairs)))
    (if (i32.lt_u (local.get $r) (local.get $count))
      (then
        (call $scan_one
          (i32.add (local.get $data) (i32.mul (local.get $r) (local.get $row_bytes)))
          (local.get $r) (local.get $dim) (local.get $tail_mask) (local.get $has_tail)
          (local.get $norms) (local.get $flags) (local.get $hash_low) (local.get $hash_high) (local.get $columns)))))

  ;; The loop bodies of $scan_pair and $scan_one are the same per row: squares summed in float64
  ;; (v*v is exact in float64, so only the additions round), a lane that is not ±0 (f32x4.ne is
  ;; true for NaN and denormals too) subtracted from the column count as -1, and hash lane l
  ;; absorbing word 4j+l as state = rotl(state ^ word, 13) * PRIME_1. The flags come from the sum
  ;; alone (see $finish_row), so the loop carries no per-row flag masks; constants live in locals
  ;; because V8 rebuilds a v128.const inside a loop on every iteration.
  (func $scan_pair
    (param $row i32) (param $r i32) (param $dim i32) (param $row_bytes i32) (param $tail_mask v128) (param $has_tail i32)
    (param $norms i32) (param $flags i32) (param $hash_low i32) (param $hash_high i32) (param $columns i32)
    (local $p i32) (local $c i32) (local $full_end i32) (local $tail_left i32)
    (local $va v128) (local $vb v128) (local $half v128) (local $zero v128) (local $prime v128)
    (local $sa v128) (local $sb v128) (local $la v128) (local $ha v128) (local $lb v128) (local $hb v128)
    (local.set $prime (v128.const i32x4 0x9e3779b1 0x9e3779b1 0x9e3779b1 0x9e3779b1))
    (local.set $sa (v128.const i32x4 0x01234567 0x89abcdef 0xfedcba98 0x76543210))
    (local.set $sb (local.get $sa))
    (local.set $p (local.get $row))
    (local.set $c (local.get $columns))
    (local.set $full_end (i32.add (local.get $row) (i32.shl (i32.and (local.get $dim) (i32.const -4)) (i32.const 2))))
    (local.set $tail_left (local.get $has_tail))
    (block $done
      (loop $chunks
        (if (i32.lt_u (local.get $p) (local.get $full_end))
          (then
            (local.set $va (v128.load (local.get $p)))
            (local.set $vb (v128.load (i32.add (local.get $p) (local.get $row_bytes)))))
          (else
            (br_if $done (i32.eqz (local.get $tail_left)))
            (local.set $tail_left (i32.const 0))
            (local.set $va (v128.and (v128.load (local.get $p)) (local.get $tail_mask)))
            (local.set $vb (v128.and (v128.load (i32.add (local.get $p) (local.get $row_bytes))) (local.get $tail_mask)))))
        (local.set $half (f64x2.promote_low_f32x4 (local.get $va)))
        (local.set $la (f64x2.add (local.get $la) (f64x2.mul (local.get $half) (local.get $half))))
        (local.set $half (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $va) (local.get $va))))
        (local.set $ha (f64x2.add (local.get $ha) (f64x2.mul (local.get $half) (local.get $half))))
        (local.set $half (f64x2.promote_low_f32x4 (local.get $vb)))
        (local.set $lb (f64x2.add (local.get $lb) (f64x2.mul (local.get $half) (local.get $half))))
        (local.set $half (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $vb) (local.get $vb))))
        (local.set $hb (f64x2.add (local.get $hb) (f64x2.mul (local.get $half) (local.get $half))))
        (v128.store (local.get $c)
          (i32x4.add
            (v128.load (local.get $c))
            (i32x4.neg (i32x4.add (f32x4.ne (local.get $va) (local.get $zero)) (f32x4.ne (local.get $vb) (local.get $zero))))))
        (local.set $sa (v128.xor (local.get $sa) (local.get $va)))
        (local.set $sb (v128.xor (local.get $sb) (local.get $vb)))
        (local.set $sa (i32x4.mul (v128.or (i32x4.shl (local.get $sa) (i32.const 13)) (i32x4.shr_u (local.get $sa) (i32.const 19))) (local.get $prime)))
        (local.set $sb (i32x4.mul (v128.or (i32x4.shl (local.get $sb) (i32.const 13)) (i32x4.shr_u (local.get $sb) (i32.const 19))) (local.get $prime)))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $c (i32.add (local.get $c) (i32.const 16)))
        (br $chunks)))
    (call $finish_row (local.get $r) (local.get $dim) (local.get $la) (local.get $ha) (local.get $sa)
      (local.get $norms) (local.get $flags) (local.get $hash_low) (local.get $hash_high))
    (call $finish_row (i32.add (local.get $r) (i32.const 1)) (local.get $dim) (local.get $lb) (local.get $hb) (local.get $sb)
      (local.get $norms) (local.get $flags) (local.get $hash_low) (local.get $hash_high)))

  (func $scan_one
    (param $row i32) (param $r i32) (param $dim i32) (param $tail_mask v128) (param $has_tail i32)
    (param $norms i32) (param $flags i32) (param $hash_low i32) (param $hash_high i32) (param $columns i32)
    (local $p i32) (local $c i32) (local $full_end i32) (local $tail_left i32)
    (local $v v128) (local $half v128) (local $zero v128) (local $prime v128) (local $s v128) (local $l v128) (local $h v128)
    (local.set $prime (v128.const i32x4 0x9e3779b1 0x9e3779b1 0x9e3779b1 0x9e3779b1))
    (local.set $s (v128.const i32x4 0x01234567 0x89abcdef 0xfedcba98 0x76543210))
    (local.set $p (local.get $row))
    (local.set $c (local.get $columns))
    (local.set $full_end (i32.add (local.get $row) (i32.shl (i32.and (local.get $dim) (i32.const -4)) (i32.const 2))))
    (local.set $tail_left (local.get $has_tail))
    (block $done
      (loop $chunks
        (if (i32.lt_u (local.get $p) (local.get $full_end))
          (then (local.set $v (v128.load (local.get $p))))
          (else
            (br_if $done (i32.eqz (local.get $tail_left)))
            (local.set $tail_left (i32.const 0))
            (local.set $v (v128.and (v128.load (local.get $p)) (local.get $tail_mask)))))
        (local.set $half (f64x2.promote_low_f32x4 (local.get $v)))
        (local.set $l (f64x2.add (local.get $l) (f64x2.mul (local.get $half) (local.get $half))))
        (local.set $half (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))))
        (local.set $h (f64x2.add (local.get $h) (f64x2.mul (local.get $half) (local.get $half))))
        (v128.store (local.get $c) (i32x4.sub (v128.load (local.get $c)) (f32x4.ne (local.get $v) (local.get $zero))))
        (local.set $s (v128.xor (local.get $s) (local.get $v)))
        (local.set $s (i32x4.mul (v128.or (i32x4.shl (local.get $s) (i32.const 13)) (i32x4.shr_u (local.get $s) (i32.const 19))) (local.get $prime)))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $c (i32.add (local.get $c) (i32.const 16)))
        (br $chunks)))
    (call $finish_row (local.get $r) (local.get $dim) (local.get $l) (local.get $h) (local.get $s)
      (local.get $norms) (local.get $flags) (local.get $hash_low) (local.get $hash_high)))

  ;; Write row r's outputs from its accumulators: norm² (float64 sum rounded once), flags, hash.
  ;; The flags read the float64 sum of squares: every finite float32 squares exactly, to a finite
  ;; value (max² ≈ 1.2e77, so even 2^31 of them stay finite) that is zero only for ±0 (the smallest
  ;; denormal squares to 2^-298), while NaN or ±Inf makes the sum NaN or +Inf. So the row holds a
  ;; NaN/Inf exactly when !(sum < +Inf), and is all ±0 exactly when sum = 0.
  (func $finish_row
    (param $r i32) (param $dim i32) (param $sum_low v128) (param $sum_high v128)
    (param $state v128) (param $norms i32) (param $flags i32) (param $hash_low i32) (param $hash_high i32)
    (local $l0 i32) (local $l1 i32) (local $l2 i32) (local $l3 i32) (local $sum f64)
    (local.set $sum
      (f64.add
        (f64.add (f64x2.extract_lane 0 (local.get $sum_low)) (f64x2.extract_lane 1 (local.get $sum_low)))
        (f64.add (f64x2.extract_lane 0 (local.get $sum_high)) (f64x2.extract_lane 1 (local.get $sum_high)))))
    (f32.store (i32.add (local.get $norms) (i32.shl (local.get $r) (i32.const 2))) (f32.demote_f64 (local.get $sum)))
    (i32.store8 (i32.add (local.get $flags) (local.get $r))
      (i32.or
        (i32.eqz (f64.lt (local.get $sum) (f64.const inf)))
        (i32.shl (f64.eq (local.get $sum) (f64.const 0)) (i32.const 1))))
    (local.set $l0 (i32x4.extract_lane 0 (local.get $state)))
    (local.set $l1 (i32x4.extract_lane 1 (local.get $state)))
    (local.set $l2 (i32x4.extract_lane 2 (local.get $state)))
    (local.set $l3 (i32x4.extract_lane 3 (local.get $state)))
    (i32.store (i32.add (local.get $hash_low) (i32.shl (local.get $r) (i32.const 2)))
      (call $final_mix
        (i32.xor
          (i32.xor
            (i32.xor (local.get $l0) (i32.rotl (local.get $l1) (i32.const 7)))
            (i32.xor (i32.rotl (local.get $l2) (i32.const 17)) (i32.rotl (local.get $l3) (i32.const 25))))
          (local.get $dim))))
    (i32.store (i32.add (local.get $hash_high) (i32.shl (local.get $r) (i32.const 2)))
      (call $final_mix
        (i32.xor
          (i32.xor (i32.mul (local.get $l0) (i32.const 0x85ebca77)) (i32.rotl (local.get $l1) (i32.const 19)))
          (i32.xor (i32.mul (i32.rotl (local.get $l2) (i32.const 3)) (i32.const 0xc2b2ae3d)) (i32.rotl (local.get $l3) (i32.const 11)))))))

  (func $final_mix (param $h i32) (result i32)
    (local.set $h (i32.mul (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 16))) (i32.const 0x85ebca77)))
    (local.set $h (i32.mul (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 13))) (i32.const 0xc2b2ae3d)))
    (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 16))))

  ;; --- dot products ------------------------------------------------------------------------
  ;; out[i * out_stride + k] = a_i · b_k for `count_a` rows at `a` and `count_b` rows at `b`
  ;; (both row-major, `dim` floats per row), float32 accumulation like BLAS sgemm.
  ;; Tiles of 4 A rows × 2 B rows keep 8 accumulators in registers (x64 has 16 vector registers);
  ;; leftover rows fall back to 1 × 4 and 1 × 1 tiles. The caller blocks B to fit in cache.
  (func $dot (export "dot")
    (param $a i32) (param $count_a i32) (param $b i32) (param $count_b i32) (param $dim i32)
    (param $out i32) (param $out_stride i32)
    (local $row_bytes i32) (local $i i32) (local $k i32) (local $ii i32) (local $tail_mask v128)
    (local.set $row_bytes (i32.shl (local.get $dim) (i32.const 2)))
    (local.set $tail_mask
      (i32x4.lt_u (v128.const i32x4 0 1 2 3) (i32x4.splat (i32.and (local.get $dim) (i32.const 3)))))
    ;; Groups of 4 A rows.
    (block $groups_done
      (loop $groups
        (br_if $groups_done (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $count_a)))
        (local.set $k (i32.const 0))
        (block $pairs_done
          (loop $pairs
            (br_if $pairs_done (i32.gt_u (i32.add (local.get $k) (i32.const 2)) (local.get $count_b)))
            (call $dot_4x2
              (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $row_bytes)))
              (i32.add (local.get $b) (i32.mul (local.get $k) (local.get $row_bytes)))
              (local.get $dim) (local.get $row_bytes) (local.get $tail_mask)
              (i32.add (local.get $out)
                (i32.shl (i32.add (i32.mul (local.get $i) (local.get $out_stride)) (local.get $k)) (i32.const 2)))
              (i32.shl (local.get $out_stride) (i32.const 2)))
            (local.set $k (i32.add (local.get $k) (i32.const 2)))
            (br $pairs)))
        ;; An odd last B row: one dot per A row of the group.
        (if (i32.lt_u (local.get $k) (local.get $count_b))
          (then
            (local.set $ii (local.get $i))
            (block $odd_done
              (loop $odd
                (br_if $odd_done (i32.ge_u (local.get $ii) (i32.add (local.get $i) (i32.const 4))))
                (call $store_dot_1x1 (local.get $a) (local.get $ii) (local.get $b) (local.get $k)
                  (local.get $dim) (local.get $row_bytes) (local.get $tail_mask) (local.get $out) (local.get $out_stride))
                (local.set $ii (i32.add (local.get $ii) (i32.const 1)))
                (br $odd)))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $groups)))
    ;; Leftover A rows (count_a % 4): 1 × 4 tiles, then single dots.
    (block $rest_done
      (loop $rest
        (br_if $rest_done (i32.ge_u (local.get $i) (local.get $count_a)))
        (local.set $k (i32.const 0))
        (block $quads_done
          (loop $quads
            (br_if $quads_done (i32.gt_u (i32.add (local.get $k) (i32.const 4)) (local.get $count_b)))
            (call $dot_1x4
              (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $row_bytes)))
              (i32.add (local.get $b) (i32.mul (local.get $k) (local.get $row_bytes)))
              (local.get $dim) (local.get $row_bytes) (local.get $tail_mask)
              (i32.add (local.get $out)
                (i32.shl (i32.add (i32.mul (local.get $i) (local.get $out_stride)) (local.get $k)) (i32.const 2))))
            (local.set $k (i32.add (local.get $k) (i32.const 4)))
            (br $quads)))
        (block $singles_done
          (loop $singles
            (br_if $singles_done (i32.ge_u (local.get $k) (local.get $count_b)))
            (call $store_dot_1x1 (local.get $a) (local.get $i) (local.get $b) (local.get $k)
              (local.get $dim) (local.get $row_bytes) (local.get $tail_mask) (local.get $out) (local.get $out_stride))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $singles)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rest))))

  (func $hsum (param $v v128) (result f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  ;; 4 A rows starting at $a × 2 B rows starting at $b; writes a 4 × 2 block of out.
  (func $dot_4x2
    (param $a i32) (param $b i32) (param $dim i32) (param $row_bytes i32) (param $tail_mask v128)
    (param $out i32) (param $out_row_bytes i32)
    (local $j i32) (local $full i32) (local $last i32)
    (local $a1 i32) (local $a2 i32) (local $a3 i32) (local $b1 i32)
    (local $x v128) (local $y0 v128) (local $y1 v128)
    (local $s00 v128) (local $s01 v128) (local $s10 v128) (local $s11 v128)
    (local $s20 v128) (local $s21 v128) (local $s30 v128) (local $s31 v128)
    (local.set $a1 (i32.add (local.get $a) (local.get $row_bytes)))
    (local.set $a2 (i32.add (local.get $a1) (local.get $row_bytes)))
    (local.set $a3 (i32.add (local.get $a2) (local.get $row_bytes)))
    (local.set $b1 (i32.add (local.get $b) (local.get $row_bytes)))
    (local.set $full (i32.shl (i32.and (local.get $dim) (i32.const -4)) (i32.const 2)))
    (block $done
      (loop $chunks
        (br_if $done (i32.ge_u (local.get $j) (local.get $full)))
        (local.set $y0 (v128.load (i32.add (local.get $b) (local.get $j))))
        (local.set $y1 (v128.load (i32.add (local.get $b1) (local.get $j))))
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $j))))
        (local.set $s00 (f32x4.add (local.get $s00) (f32x4.mul (local.get $x) (local.get $y0))))
        (local.set $s01 (f32x4.add (local.get $s01) (f32x4.mul (local.get $x) (local.get $y1))))
        (local.set $x (v128.load (i32.add (local.get $a1) (local.get $j))))
        (local.set $s10 (f32x4.add (local.get $s10) (f32x4.mul (local.get $x) (local.get $y0))))
        (local.set $s11 (f32x4.add (local.get $s11) (f32x4.mul (local.get $x) (local.get $y1))))
        (local.set $x (v128.load (i32.add (local.get $a2) (local.get $j))))
        (local.set $s20 (f32x4.add (local.get $s20) (f32x4.mul (local.get $x) (local.get $y0))))
        (local.set $s21 (f32x4.add (local.get $s21) (f32x4.mul (local.get $x) (local.get $y1))))
        (local.set $x (v128.load (i32.add (local.get $a3) (local.get $j))))
        (local.set $s30 (f32x4.add (local.get $s30) (f32x4.mul (local.get $x) (local.get $y0))))
        (local.set $s31 (f32x4.add (local.get $s31) (f32x4.mul (local.get $x) (local.get $y1))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $chunks)))
    (if (i32.and (local.get $dim) (i32.const 3))
      (then
        ;; Mask both sides: the bytes past a row belong to the next row and may hold NaN/Inf.
        (local.set $y0 (v128.and (v128.load (i32.add (local.get $b) (local.get $j))) (local.get $tail_mask)))
        (local.set $y1 (v128.and (v128.load (i32.add (local.get $b1) (local.get $j))) (local.get $tail_mask)))
        (local.set $x (v128.and (v128.load (i32.add (local.get $a) (local.get $j))) (local.get $tail_mask)))
        (local.set $s00 (f32x4.add (local.get $s00) (f32x4.mul (local.get $x) (local.get $y0))))
        (local.set $s01 (f32x4.add (local.get $s01) (f32x4.mul (local.get $x) (local.get $y1))))
        (local.set $x (v128.and (v128.load (i32.add (local.get $a1) (local.get $j))) (local.get $tail_mask)))
        (local.set $s10 (f32x4.add (local.get $s10) (f32x4.mul (local.get $x) (local.get $y0))))
        (local.set $s11 (f32x4.add (local.get $s11) (f32x4.mul (local.get $x) (local.get $y1))))
        (local.set $x (v128.and (v128.load (i32.add (local.get $a2) (local.get $j))) (local.get $tail_mask)))
        (local.set $s20 (f32x4.add (local.get $s20) (f32x4.mul (local.get $x) (local.get $y0))))
        (local.set $s21 (f32x4.add (local.get $s21) (f32x4.mul (local.get $x) (local.get $y1))))
        (local.set $x (v128.and (v128.load (i32.add (local.get $a3) (local.get $j))) (local.get $tail_mask)))
        (local.set $s30 (f32x4.add (local.get $s30) (f32x4.mul (local.get $x) (local.get $y0))))
        (local.set $s31 (f32x4.add (local.get $s31) (f32x4.mul (local.get $x) (local.get $y1))))))
    (f32.store (local.get $out) (call $hsum (local.get $s00)))
    (f32.store offset=4 (local.get $out) (call $hsum (local.get $s01)))
    (local.set $out (i32.add (local.get $out) (local.get $out_row_bytes)))
    (f32.store (local.get $out) (call $hsum (local.get $s10)))
    (f32.store offset=4 (local.get $out) (call $hsum (local.get $s11)))
    (local.set $out (i32.add (local.get $out) (local.get $out_row_bytes)))
    (f32.store (local.get $out) (call $hsum (local.get $s20)))
    (f32.store offset=4 (local.get $out) (call $hsum (local.get $s21)))
    (local.set $out (i32.add (local.get $out) (local.get $out_row_bytes)))
    (f32.store (local.get $out) (call $hsum (local.get $s30)))
    (f32.store offset=4 (local.get $out) (call $hsum (local.get $s31))))

  ;; 1 A row × 4 consecutive B rows; writes 4 consecutive outputs.
  (func $dot_1x4
    (param $a i32) (param $b i32) (param $dim i32) (param $row_bytes i32) (param $tail_mask v128) (param $out i32)
    (local $j i32) (local $full i32) (local $b1 i32) (local $b2 i32) (local $b3 i32)
    (local $x v128) (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local.set $b1 (i32.add (local.get $b) (local.get $row_bytes)))
    (local.set $b2 (i32.add (local.get $b1) (local.get $row_bytes)))
    (local.set $b3 (i32.add (local.get $b2) (local.get $row_bytes)))
    (local.set $full (i32.shl (i32.and (local.get $dim) (i32.const -4)) (i32.const 2)))
    (block $done
      (loop $chunks
        (br_if $done (i32.ge_u (local.get $j) (local.get $full)))
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $j))))
        (local.set $s0 (f32x4.add (local.get $s0) (f32x4.mul (local.get $x) (v128.load (i32.add (local.get $b) (local.get $j))))))
        (local.set $s1 (f32x4.add (local.get $s1) (f32x4.mul (local.get $x) (v128.load (i32.add (local.get $b1) (local.get $j))))))
        (local.set $s2 (f32x4.add (local.get $s2) (f32x4.mul (local.get $x) (v128.load (i32.add (local.get $b2) (local.get $j))))))
        (local.set $s3 (f32x4.add (local.get $s3) (f32x4.mul (local.get $x) (v128.load (i32.add (local.get $b3) (local.get $j))))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $chunks)))
    (if (i32.and (local.get $dim) (i32.const 3))
      (then
        (local.set $x (v128.and (v128.load (i32.add (local.get $a) (local.get $j))) (local.get $tail_mask)))
        (local.set $s0 (f32x4.add (local.get $s0)
          (f32x4.mul (local.get $x) (v128.and (v128.load (i32.add (local.get $b) (local.get $j))) (local.get $tail_mask)))))
        (local.set $s1 (f32x4.add (local.get $s1)
          (f32x4.mul (local.get $x) (v128.and (v128.load (i32.add (local.get $b1) (local.get $j))) (local.get $tail_mask)))))
        (local.set $s2 (f32x4.add (local.get $s2)
          (f32x4.mul (local.get $x) (v128.and (v128.load (i32.add (local.get $b2) (local.get $j))) (local.get $tail_mask)))))
        (local.set $s3 (f32x4.add (local.get $s3)
          (f32x4.mul (local.get $x) (v128.and (v128.load (i32.add (local.get $b3) (local.get $j))) (local.get $tail_mask)))))))
    (f32.store (local.get $out) (call $hsum (local.get $s0)))
    (f32.store offset=4 (local.get $out) (call $hsum (local.get $s1)))
    (f32.store offset=8 (local.get $out) (call $hsum (local.get $s2)))
    (f32.store offset=12 (local.get $out) (call $hsum (local.get $s3))))

  ;; out[i * out_stride + k] = a_i · b_k for a single pair.
  (func $store_dot_1x1
    (param $a i32) (param $i i32) (param $b i32) (param $k i32) (param $dim i32) (param $row_bytes i32)
    (param $tail_mask v128) (param $out i32) (param $out_stride i32)
    (local $j i32) (local $full i32) (local $s v128)
    (local.set $a (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $row_bytes))))
    (local.set $b (i32.add (local.get $b) (i32.mul (local.get $k) (local.get $row_bytes))))
    (local.set $full (i32.shl (i32.and (local.get $dim) (i32.const -4)) (i32.const 2)))
    ;; One accumulator, summed in the order of the 4 × 2 and 1 × 4 tiles: a pair's dot is the same
    ;; float wherever it falls in the matrix, so a·b and b·a agree bit for bit.
    (block $done
      (loop $chunks
        (br_if $done (i32.ge_u (local.get $j) (local.get $full)))
        (local.set $s (f32x4.add (local.get $s)
          (f32x4.mul (v128.load (i32.add (local.get $a) (local.get $j))) (v128.load (i32.add (local.get $b) (local.get $j))))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $chunks)))
    (if (i32.and (local.get $dim) (i32.const 3))
      (then
        (local.set $s (f32x4.add (local.get $s)
          (f32x4.mul
            (v128.and (v128.load (i32.add (local.get $a) (local.get $j))) (local.get $tail_mask))
            (v128.and (v128.load (i32.add (local.get $b) (local.get $j))) (local.get $tail_mask)))))))
    (f32.store
      (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $out_stride)) (local.get $k)) (i32.const 2)))
      (call $hsum (local.get $s))))
)
