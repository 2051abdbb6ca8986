# Writes a tiny random Llama (f32 safetensors + config.json) for the CUDA prefill-attention check.
import json, os, random, struct, sys
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
H, L, NH, NKV, D, F, V = 256, 2, 4, 2, 64, 512, 512
random.seed(1)
tensors = {}
def mat(name, rows, cols, scale):
    tensors[name] = ([rows, cols], [random.gauss(0, scale) for _ in range(rows * cols)])
def vec(name, n):
    tensors[name] = ([n], [1.0 + random.gauss(0, 0.1) for _ in range(n)])
mat('model.embed_tokens.weight', V, H, 1.0)
for i in range(L):
    p = f'model.layers.{i}.'
    vec(p + 'input_layernorm.weight', H)
    vec(p + 'post_attention_layernorm.weight', H)
    mat(p + 'self_attn.q_proj.weight', NH * D, H, 0.25)  # peaky attention so selection has something to choose
    mat(p + 'self_attn.k_proj.weight', NKV * D, H, 0.25)
    mat(p + 'self_attn.v_proj.weight', NKV * D, H, 0.06)
    mat(p + 'self_attn.o_proj.weight', H, NH * D, 0.06)
    mat(p + 'mlp.gate_proj.weight', F, H, 0.06)
    mat(p + 'mlp.up_proj.weight', F, H, 0.06)
    mat(p + 'mlp.down_proj.weight', H, F, 0.04)
vec('model.norm.weight', H)
header, blobs, off = {}, [], 0
for name, (shape, data) in tensors.items():
    b = struct.pack(f'<{len(data)}f', *data)
    header[name] = {'dtype': 'F32', 'shape': shape, 'data_offsets': [off, off + len(b)]}
    blobs.append(b); off += len(b)
h = json.dumps(header).encode()
h += b' ' * ((8 - len(h) % 8) % 8)
with open(os.path.join(out, 'model.safetensors'), 'wb') as f:
    f.write(struct.pack('<Q', len(h))); f.write(h)
    for b in blobs: f.write(b)
json.dump({'model_type': 'llama', 'hidden_size': H, 'intermediate_size': F, 'num_hidden_layers': L,
           'num_attention_heads': NH, 'num_key_value_heads': NKV, 'vocab_size': V, 'rms_norm_eps': 1e-5,
           'rope_theta': 10000.0, 'max_position_embeddings': 8192, 'tie_word_embeddings': True},
          open(os.path.join(out, 'config.json'), 'w'))
