//! orders: the Rust rewrite of the Python handler `app.handler` (examples/orders/python).
//!
//! `GET /orders/{order_id}` reads one order, `POST /orders` stores a new one; both answer
//! API Gateway REST proxy responses whose bodies are what Python's `json.dumps` writes,
//! byte for byte ([`python_json`]): `", "` and `": "` separators, non-ASCII escaped.
//!
//! The handler is generic over its one port, [`OrderTable`]: [`DynamoOrderTable`] on
//! Lambda, [`MemoryOrderTable`] in tests. The handler never sees the SDK, so
//! `tests/handler.rs` runs it on recorded events without AWS. Parity with the Python
//! original is proven by `cutover parity run` on the recorded corpus.

mod dynamodb;
mod handler;
mod memory;
mod order;
mod python_json;

pub use dynamodb::DynamoOrderTable;
pub use handler::{FunctionError, Handler};
pub use memory::MemoryOrderTable;
pub use order::{Order, OrderTable, PortError, Stored};
pub use python_json::to_python_json;
