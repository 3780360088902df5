/* C API of liblpo_spm.so, the shim that isolates libsentencepiece (see spm_shim.cpp).
 *
 * Debian's libsentencepiece.so.0 carries and exports its own protobuf-lite (3.14) while libtorch
 * links the system libprotobuf (3.21); a program linking both crashes at startup. lpo therefore
 * never links sentencepiece: spm_loader.cpp dlopen()s this shim with RTLD_LOCAL | RTLD_DEEPBIND so
 * sentencepiece binds to its own protobuf and stays out of the global symbol scope. Only plain C
 * types cross the boundary; buffers the shim returns are malloc()ed and released with
 * lpo_spm_free_buffer. Ids are SentencePiece piece ids (int, 0 <= id < piece_size). */
#ifndef LPO_SPM_SHIM_API_H
#define LPO_SPM_SHIM_API_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped whenever a signature below changes; the loader refuses a shim of another version. */
#define LPO_SPM_ABI_VERSION 1

/* The only symbols liblpo_spm.so exports (it is built with -fvisibility=hidden). */
#define LPO_SPM_API __attribute__((visibility("default")))

typedef struct lpo_spm lpo_spm; /* one loaded SentencePiece model */

LPO_SPM_API int lpo_spm_abi_version(void);

/* Parses a serialized ModelProto (the bytes of a tokenizer.model). Returns NULL on failure and
 * sets *error to a malloc()ed message (the SentencePiece status text). */
LPO_SPM_API lpo_spm* lpo_spm_load(const char* bytes, size_t size, char** error);
LPO_SPM_API void lpo_spm_free(lpo_spm* model);
LPO_SPM_API void lpo_spm_free_buffer(void* buffer);

/* Encodes UTF-8 `text` (SentencePiece's normalizer, dummy prefix, byte fallback). Returns 0 and
 * sets *ids / *count (a malloc()ed array, NULL when empty), or -1 and sets *error. */
LPO_SPM_API int lpo_spm_encode(const lpo_spm* model, const char* text, size_t size, int** ids, size_t* count,
                   char** error);
/* Decodes `count` ids. Returns 0 and sets *text / *size (malloc()ed, NUL-terminated), or -1 and
 * sets *error. */
LPO_SPM_API int lpo_spm_decode(const lpo_spm* model, const int* ids, size_t count, char** text, size_t* size,
                   char** error);

LPO_SPM_API int lpo_spm_piece_size(const lpo_spm* model);
/* The unk id for an unknown piece (as SentencePiece's PieceToId). */
LPO_SPM_API int lpo_spm_piece_to_id(const lpo_spm* model, const char* piece, size_t size);
/* The piece's text, valid while `model` lives; "" for an id out of range. */
LPO_SPM_API const char* lpo_spm_id_to_piece(const lpo_spm* model, int id, size_t* size);
LPO_SPM_API int lpo_spm_is_control(const lpo_spm* model, int id);
LPO_SPM_API int lpo_spm_is_unknown(const lpo_spm* model, int id);
/* -1 when the model has no such piece. */
LPO_SPM_API int lpo_spm_bos_id(const lpo_spm* model);
LPO_SPM_API int lpo_spm_eos_id(const lpo_spm* model);
LPO_SPM_API int lpo_spm_unk_id(const lpo_spm* model);

#ifdef __cplusplus
}
#endif

#endif /* LPO_SPM_SHIM_API_H */
