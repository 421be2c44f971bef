//! In-process tests: the real application over a real database, without a socket.

mod support;

mod foundation;
