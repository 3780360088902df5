// liblpo_spm.so: libsentencepiece behind the C API of spm_shim_api.h. Built with hidden
// visibility; only the lpo_spm_* functions are exported. No C++ exception or type crosses the
// boundary: every failure becomes a return code and a malloc()ed message.
#include "tokenizer/shim/spm_shim_api.h"

#include <sentencepiece_processor.h>

#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

struct lpo_spm {
  sentencepiece::SentencePieceProcessor processor;
};

namespace {

// A malloc()ed, NUL-terminated copy of `text` (NULL when out of memory).
char* copy_out(const std::string& text) {
  char* out = static_cast<char*>(std::malloc(text.size() + 1));
  if (out) std::memcpy(out, text.data(), text.size() + 1);
  return out;
}

void set_error(char** error, const std::string& message) {
  if (error) *error = copy_out(message);
}

bool valid_id(const lpo_spm* model, int id) { return id >= 0 && id < model->processor.GetPieceSize(); }

}  // namespace

int lpo_spm_abi_version(void) { return LPO_SPM_ABI_VERSION; }

lpo_spm* lpo_spm_load(const char* bytes, size_t size, char** error) {
  try {
    auto* model = new lpo_spm;
    const auto status = model->processor.LoadFromSerializedProto(std::string_view(bytes, size));
    if (status.ok()) return model;
    set_error(error, status.ToString());
    delete model;
  } catch (const std::exception& e) {
    set_error(error, e.what());
  }
  return nullptr;
}

void lpo_spm_free(lpo_spm* model) { delete model; }

void lpo_spm_free_buffer(void* buffer) { std::free(buffer); }

int lpo_spm_encode(const lpo_spm* model, const char* text, size_t size, int** ids,
                                  size_t* count, char** error) {
  try {
    std::vector<int> out;
    const auto status = model->processor.Encode(std::string_view(text, size), &out);
    if (!status.ok()) {
      set_error(error, status.ToString());
      return -1;
    }
    *count = out.size();
    *ids = nullptr;
    if (out.empty()) return 0;
    *ids = static_cast<int*>(std::malloc(out.size() * sizeof(int)));
    if (!*ids) throw std::bad_alloc();
    std::memcpy(*ids, out.data(), out.size() * sizeof(int));
    return 0;
  } catch (const std::exception& e) {
    set_error(error, e.what());
    return -1;
  }
}

int lpo_spm_decode(const lpo_spm* model, const int* ids, size_t count, char** text,
                                  size_t* size, char** error) {
  try {
    std::string out;
    const auto status = model->processor.Decode(std::vector<int>(ids, ids + count), &out);
    if (!status.ok()) {
      set_error(error, status.ToString());
      return -1;
    }
    *text = copy_out(out);
    if (!*text) throw std::bad_alloc();
    *size = out.size();
    return 0;
  } catch (const std::exception& e) {
    set_error(error, e.what());
    return -1;
  }
}

int lpo_spm_piece_size(const lpo_spm* model) { return model->processor.GetPieceSize(); }

int lpo_spm_piece_to_id(const lpo_spm* model, const char* piece, size_t size) {
  return model->processor.PieceToId(std::string_view(piece, size));
}

const char* lpo_spm_id_to_piece(const lpo_spm* model, int id, size_t* size) {
  if (!valid_id(model, id)) {
    *size = 0;
    return "";
  }
  const std::string& piece = model->processor.IdToPiece(id);
  *size = piece.size();
  return piece.c_str();
}

int lpo_spm_is_control(const lpo_spm* model, int id) {
  return valid_id(model, id) && model->processor.IsControl(id);
}

int lpo_spm_is_unknown(const lpo_spm* model, int id) {
  return valid_id(model, id) && model->processor.IsUnknown(id);
}

int lpo_spm_bos_id(const lpo_spm* model) { return model->processor.bos_id(); }
int lpo_spm_eos_id(const lpo_spm* model) { return model->processor.eos_id(); }
int lpo_spm_unk_id(const lpo_spm* model) { return model->processor.unk_id(); }
