//! The in-memory [`OrderTable`] of the tests.

use std::collections::BTreeMap;
use std::sync::Mutex;

use crate::order::{Order, OrderTable, PortError, Stored};

/// Orders in a map, with DynamoDB's answer to a create of an id that is taken.
#[derive(Debug, Default)]
pub struct MemoryOrderTable {
    orders: Mutex<BTreeMap<String, Order>>,
}

impl OrderTable for MemoryOrderTable {
    async fn get(&self, order_id: &str) -> Result<Option<Order>, PortError> {
        Ok(self.orders.lock().map_err(poisoned)?.get(order_id).cloned())
    }

    async fn create(&self, order: &Order) -> Result<Stored, PortError> {
        let mut orders = self.orders.lock().map_err(poisoned)?;
        if orders.contains_key(&order.order_id) {
            return Ok(Stored::AlreadyExists);
        }
        orders.insert(order.order_id.clone(), order.clone());
        Ok(Stored::Created)
    }
}

fn poisoned<T>(_: T) -> PortError {
    PortError { code: "Poisoned".to_owned(), message: "a test panicked while holding the table".to_owned() }
}
