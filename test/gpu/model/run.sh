# GPU machine only: device 'cuda' (the whole model on the GPU) against device 'cpu' on a tiny random Llama.
# Run from the repository root: bash test/gpu/model/run.sh
set -e
nvidia-smi --query-gpu=name --format=csv,noheader
which cmake nvcc python3 node || true
python3 test/gpu/model/make_tiny.py /tmp/tiny
cmake -S native -B /tmp/b -DCMAKE_BUILD_TYPE=Release > /tmp/cmake.log 2>&1 || (tail -20 /tmp/cmake.log; exit 1)
cmake --build /tmp/b --target unisparse_core unisparse_cuda -j 16 > /tmp/build.log 2>&1 || (grep -E "error" /tmp/build.log | head -20; exit 1)
CUDA_LIB=$(dirname $(which nvcc))/../lib64
g++ -O2 -std=c++17 -march=native -DUNISPARSE_WITH_CUDA=1 -Inative/include -Inative/src test/gpu/model/check.cpp -Wl,--start-group /tmp/b/libunisparse_core.a /tmp/b/libunisparse_cuda.a -Wl,--end-group -L$CUDA_LIB -lcudart_static -lcublas -lcublasLt -ldl -lrt -lpthread -o /tmp/check
/tmp/check /tmp/tiny 2048
/tmp/check /tmp/tiny 8192
