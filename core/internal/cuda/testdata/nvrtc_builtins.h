/* What NVRTC provides to the kernels without any #include, for compiling
 * kernels.cu.h with clang (-nocudainc: no CUDA headers here). Keep it to
 * what NVRTC really predefines, so that clang rejects what NVRTC would. */
#include "__clang_cuda_builtin_vars.h" /* threadIdx, blockIdx, blockDim, gridDim */
#define __global__ __attribute__((global))
#define __device__ __attribute__((device))
#define __shared__ __attribute__((shared))
/* vector_types.h: float2 and make_float2 (NVRTC's built-in headers) */
struct __attribute__((aligned(8))) float2 {
    float x, y;
};
static __device__ inline float2 make_float2(float x, float y) {
    float2 r;
    r.x = x;
    r.y = y;
    return r;
}
/* Device functions NVRTC has built in (device_functions.h, math). */
static __device__ inline float __int_as_float(int x) { return __builtin_bit_cast(float, x); }
static __device__ inline double __longlong_as_double(long long x) { return __builtin_bit_cast(double, x); }
__device__ double frexp(double, int *);
__device__ double ldexp(double, int);
__device__ double fabs(double);
__device__ double trunc(double);
__device__ double round(double);
__device__ double sqrt(double);
/* __syncthreads is a clang builtin for NVPTX. */
#define IPCF_KERNEL_SOURCE(...) __VA_ARGS__
