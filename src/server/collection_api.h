// Collections over HTTP (docs/server.md, "Collections"): list, search, add and delete
// documents of the collections a server was started with. Like api_handlers.h, independent of
// the HTTP library: each call takes the request's parts and returns a status and a TEI-shaped
// body ({"error", "error_type"} on failure).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "index/collection.h"
#include "server/api_handlers.h"

namespace gembed {
class Embedder;
}

namespace gembed::server {

struct ServedCollection {
  std::string name;  // the {name} of its routes
  std::shared_ptr<index::Collection> collection;
};

// Opens the collection at `path` for serving; a missing (or empty) file is created with the
// defaults of `gembed index` for this model (full dimension, f32, 256/32-token chunks). A
// collection built with another model is a gembed::Error (Collection::CheckModel).
std::shared_ptr<index::Collection> OpenServedCollection(const Embedder& embedder, const std::string& model_path,
                                                        const std::string& path);

class CollectionApi {
 public:
  // Throws gembed::Error when a name is repeated or invalid, or a collection was built with
  // another model than `embedder` (identified as `model_path` in messages).
  CollectionApi(const Embedder& embedder, const std::string& model_path, std::vector<ServedCollection> collections,
                size_t max_inputs);

  bool empty() const { return collections_.empty(); }

  HttpReply List() const;                                                     // GET /collections
  HttpReply Search(const std::string& name, const std::string& body) const;  // POST …/search
  HttpReply Add(const std::string& name, const std::string& body) const;     // POST …/documents
  HttpReply Delete(const std::string& name, const std::string& id) const;    // DELETE …/documents/{id}

 private:
  index::Collection& Find(const std::string& name) const;  // ApiError(kNotFound) when unknown

  const Embedder& embedder_;
  std::map<std::string, std::shared_ptr<index::Collection>> collections_;
  size_t max_inputs_;
  // Serialises Add/Delete: a delete's "is it there?" check and its write are one step, and
  // two requests adding the same id cannot interleave (Collection itself is thread-safe).
  mutable std::mutex write_mu_;
};

}  // namespace gembed::server
