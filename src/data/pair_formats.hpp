// The JSON shapes a preference pair can come in, and their conversion to PreferencePair.
//
//   prompt-chosen-rejected  {"prompt": str, "chosen": str, "rejected": str}   (texts verbatim)
//   messages                {"prompt": str | [msg], "chosen": [msg], "rejected": [msg]},
//                           msg = {"role": str, "content": str}; "prompt" may be absent
//   hh-rlhf                 {"chosen": str, "rejected": str}: whole "\n\nHuman: …\n\nAssistant: …"
//                           transcripts (Anthropic HH-RLHF)
//   candidates              {"model_input": str, "better_context": str, "candidate_set": [str | obj]}
//                           (the LPO seed's gene_lam_xpo_candidate*.py output): one pair per
//                           candidate, chosen = better_context (the gold answer)
//   ids                     {"prompt_ids": [int], "chosen_ids": [int], "rejected_ids": [int]}
#pragma once
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/preference_pair.hpp"
#include "tokenizer/chat_format.hpp"
#include "util/error.hpp"

namespace lpo {

enum class PairFormat { automatic, prompt_chosen_rejected, messages, hh_rlhf, candidates, ids };

/// "auto", "prompt-chosen-rejected", "messages", "hh-rlhf", "candidates", "ids".
std::string pair_format_name(PairFormat format);
/// Inverse of pair_format_name. Throws lpo::Error listing the valid names.
PairFormat parse_pair_format(const std::string& name);

/// The format a JSON line looks like, decided by its keys (ids > candidates > chosen/rejected:
/// a list -> messages, with a string "prompt" -> prompt-chosen-rejected, else hh-rlhf);
/// std::nullopt when none fits.
std::optional<PairFormat> detect_pair_format(const nlohmann::json& line);

/// A line (or one candidate of a line) that cannot become a pair. `reason` is a short key for
/// counting: invalid_json, not_an_object, unknown_format, missing_field, wrong_type,
/// empty_response, identical_responses, no_shared_prompt, last_message_not_assistant,
/// prompt_not_prefix, template_error.
class BadPairError : public Error {
 public:
  BadPairError(std::string reason, const std::string& message) : Error(message), reason_(std::move(reason)) {}
  const std::string& reason() const { return reason_; }

 private:
  std::string reason_;
};

/// Message lists with a chat template (chat kind templated), TRL's conversational shapes:
/// the prompt is the explicit "prompt" messages, else the longest message prefix chosen and
/// rejected share (implicit prompt); each response is the rest of its conversation (one or
/// more messages, the last an assistant one). prompt = the template's rendering of the prompt
/// with add_generation_prompt=true; response = its rendering of prompt + response (false) minus
/// that prefix, cut right after its last end-of-turn text (what the template writes after it is dropped),
/// and turn_closed set so encoding adds no second EOS. A prompt rendering that is not a prefix
/// of the full one is a BadPairError (prompt_not_prefix); a template error (raise_exception)
/// is one too (template_error). With plain/chatml, chosen and rejected must differ only in
/// their last message.
/// Converts one parsed JSON line. `format` automatic detects per line; `chat` formats message
/// lists (a string prompt next to message-list responses is taken as one user message).
/// Texts given as strings are used verbatim (they are already formatted, e.g. the seed's
/// model_input). Message-list responses get response_suffix(chat) appended (unless already
/// there) so the response text closes its turn; EOS is added later, at encoding.
/// `source` ("file:line") prefixes every message and is stored in each pair.
/// Throws BadPairError "source: field 'name': ..." for a line-level problem. A problem with
/// one candidate of a candidates line is thrown too, unless `candidate_problems` is given:
/// then it is appended there and the line's other candidates are still returned.
std::vector<PreferencePair> pairs_from_json(const nlohmann::json& line, PairFormat format, const ChatFormat& chat,
                                            const std::string& source,
                                            std::vector<BadPairError>* candidate_problems = nullptr);

/// The text of one candidate_set entry: a string, or an object's "text" (else "candidate",
/// "response", "content") string. `field` ("candidate_set[2]") names it in errors.
/// Throws BadPairError (missing_field, wrong_type).
std::string candidate_text(const nlohmann::json& candidate, const std::string& source, const std::string& field);

/// `response` with response_suffix(chat) appended unless it already ends with it.
std::string close_response(const ChatFormat& chat, const std::string& response);

}  // namespace lpo
