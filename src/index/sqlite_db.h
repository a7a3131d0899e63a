// A small RAII layer over the SQLite C API: a connection, prepared statements with typed
// binds/columns, and transactions. Every failure becomes a gembed::Error that names the
// database file and the SQLite message, so a corrupt or locked file is reported clearly.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace gembed::index {

class SqliteDb;

class Statement {
 public:
  Statement(SqliteDb& db, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Binds are 1-based, as in SQLite. Text and blobs are copied (SQLITE_TRANSIENT).
  Statement& Bind(int i, int64_t v);
  Statement& Bind(int i, double v);
  Statement& Bind(int i, std::string_view text);
  Statement& BindBlob(int i, const void* data, size_t bytes);
  Statement& BindNull(int i);

  // Steps once: true while a row is available. Throws on errors.
  bool Step();
  // Steps to completion (for statements that return no rows), then resets.
  void Run();
  void Reset();

  int64_t Int(int col) const;
  double Double(int col) const;
  std::string Text(int col) const;
  std::string_view Blob(int col) const;  // valid until the next Step/Reset
  bool IsNull(int col) const;

 private:
  SqliteDb& db_;
  sqlite3_stmt* stmt_ = nullptr;
};

class SqliteDb {
 public:
  // Opens (creating when `create`) the file. Throws gembed::Error naming it.
  SqliteDb(const std::string& path, bool create);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  void Exec(std::string_view sql);
  int64_t LastInsertId() const;
  const std::string& path() const { return path_; }
  sqlite3* handle() const { return db_; }
  // Throws gembed::Error "database FILE: <context>: <sqlite message>".
  [[noreturn]] void Fail(std::string_view context) const;

 private:
  std::string path_;
  sqlite3* db_ = nullptr;
};

// BEGIN IMMEDIATE … COMMIT; rolls back when destroyed without Commit() (an exception).
class Transaction {
 public:
  explicit Transaction(SqliteDb& db);
  ~Transaction();
  void Commit();

 private:
  SqliteDb& db_;
  bool done_ = false;
};

}  // namespace gembed::index
