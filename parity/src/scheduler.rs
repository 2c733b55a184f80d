//! Replay order: work on the same entity runs in recorded order, independent work runs
//! concurrently up to a limit, and a barrier (a read of a whole collection, which depends
//! on every entity) runs alone, after everything before it and before everything after.
//!
//! Each entity keeps the completion signal of its latest queued item; the next item of
//! that entity waits for it. All work runs as futures polled by the caller's task (no
//! spawning), so nothing needs to be `'static` and the caller's clock drives time.

use std::collections::HashMap;
use std::future::Future;

use futures::StreamExt as _;
use futures::stream::FuturesUnordered;
use tokio::sync::{Semaphore, oneshot};

/// How many items may be read ahead of the ones running, per unit of concurrency. Bounds
/// memory while leaving room for items that wait for their entity.
const READ_AHEAD_FACTOR: usize = 4;

/// How one item must be ordered against the others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ReplayOrder {
    /// After the earlier items of the same entity.
    Entity(String),
    /// Depends on nothing.
    Independent,
    /// After every earlier item, and before every later one.
    Barrier,
}

/// Runs `work` for every item, ordered as `order_of` says (per entity, independent, or a
/// barrier), with at most `concurrency` running at once. `on_done` receives each result
/// as it completes.
pub(crate) async fn run_ordered<I, T, K, F, Fut, D>(items: I, concurrency: usize, order_of: K, work: F, mut on_done: D)
where
    I: IntoIterator,
    K: Fn(&I::Item) -> ReplayOrder,
    F: Fn(I::Item) -> Fut,
    Fut: Future<Output = T>,
    D: FnMut(T),
{
    let concurrency = concurrency.max(1);
    let window = concurrency * READ_AHEAD_FACTOR;
    let permits = Semaphore::new(concurrency);
    let mut latest_of_entity: HashMap<String, oneshot::Receiver<()>> = HashMap::new();
    let mut in_flight = FuturesUnordered::new();
    for item in items {
        while in_flight.len() >= window {
            if let Some(result) = in_flight.next().await {
                on_done(result);
            }
        }
        let order = order_of(&item);
        if order == ReplayOrder::Barrier {
            // Everything before it finishes, it runs alone, and only then does reading go on.
            while let Some(result) = in_flight.next().await {
                on_done(result);
            }
            latest_of_entity.clear();
            on_done(work(item).await);
            continue;
        }
        let (predecessor, done) = match order {
            ReplayOrder::Entity(entity) => {
                let (done, finished) = oneshot::channel::<()>();
                (latest_of_entity.insert(entity, finished), Some(done))
            }
            ReplayOrder::Independent | ReplayOrder::Barrier => (None, None),
        };
        let job = work(item);
        let permits = &permits;
        in_flight.push(async move {
            if let Some(predecessor) = predecessor {
                // The sender is dropped when the predecessor finishes: an error means done.
                let _ = predecessor.await;
            }
            let permit = permits.acquire().await;
            let result = job.await;
            drop(permit);
            drop(done);
            result
        });
        if latest_of_entity.len() > 2 * window + 1024 {
            latest_of_entity
                .retain(|_, finished| matches!(finished.try_recv(), Err(oneshot::error::TryRecvError::Empty)));
        }
    }
    while let Some(result) = in_flight.next().await {
        on_done(result);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::time::Duration;

    #[tokio::test(start_paused = true)]
    async fn same_entity_runs_in_order_and_others_run_concurrently() {
        // (entity, id, how long the work takes)
        let items = vec![
            (Some("a"), 1, 30),
            (Some("b"), 2, 5),
            (Some("a"), 3, 1),
            (None, 4, 10),
            (Some("b"), 5, 1),
            (Some("a"), 6, 1),
        ];
        let log = RefCell::new(Vec::new());
        let running = RefCell::new((0usize, 0usize));
        let mut finished = Vec::new();
        run_ordered(
            items,
            3,
            |(entity, _, _)| entity.map_or(ReplayOrder::Independent, |entity| ReplayOrder::Entity(entity.to_owned())),
            |(entity, id, millis)| {
                let log = &log;
                let running = &running;
                async move {
                    {
                        let mut r = running.borrow_mut();
                        r.0 += 1;
                        r.1 = r.1.max(r.0);
                    }
                    log.borrow_mut().push(("start", entity, id));
                    tokio::time::sleep(Duration::from_millis(millis)).await;
                    log.borrow_mut().push(("end", entity, id));
                    running.borrow_mut().0 -= 1;
                    id
                }
            },
            |id| finished.push(id),
        )
        .await;
        let log = log.into_inner();
        let position = |kind: &str, id: i32| log.iter().position(|(k, _, i)| *k == kind && *i == id).expect("logged");
        // Entity a: 1 then 3 then 6, each starting after the previous ended.
        assert!(position("end", 1) < position("start", 3));
        assert!(position("end", 3) < position("start", 6));
        assert!(position("end", 2) < position("start", 5));
        // b and the independent item did not wait for a's slow first item.
        assert!(position("end", 2) < position("end", 1));
        assert!(position("end", 4) < position("end", 1));
        let (_, peak) = running.into_inner();
        assert!(peak >= 2, "work ran concurrently");
        assert!(peak <= 3, "never more than the concurrency limit, saw {peak}");
        finished.sort_unstable();
        assert_eq!(finished, [1, 2, 3, 4, 5, 6]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_barrier_waits_for_everything_before_and_blocks_everything_after() {
        // (id, order, how long the work takes)
        let items = vec![
            (1, ReplayOrder::Entity("a".into()), 30),
            (2, ReplayOrder::Independent, 10),
            (3, ReplayOrder::Barrier, 1),
            (4, ReplayOrder::Independent, 1),
            (5, ReplayOrder::Entity("a".into()), 1),
        ];
        let log = RefCell::new(Vec::new());
        run_ordered(
            items,
            4,
            |(_, order, _)| order.clone(),
            |(id, _, millis)| {
                let log = &log;
                async move {
                    log.borrow_mut().push(("start", id));
                    tokio::time::sleep(Duration::from_millis(millis)).await;
                    log.borrow_mut().push(("end", id));
                }
            },
            |()| {},
        )
        .await;
        let log = log.into_inner();
        let position = |kind: &str, id: i32| log.iter().position(|(k, i)| *k == kind && *i == id).expect("logged");
        assert!(position("end", 1) < position("start", 3));
        assert!(position("end", 2) < position("start", 3));
        assert!(position("end", 3) < position("start", 4));
        assert!(position("end", 3) < position("start", 5));
        assert!(position("start", 2) < position("end", 1), "1 and 2 still overlap");
    }

    #[tokio::test(start_paused = true)]
    async fn concurrency_one_is_sequential() {
        let order = RefCell::new(Vec::new());
        run_ordered(
            0..20,
            1,
            |_| ReplayOrder::Independent,
            |i| {
                let order = &order;
                async move {
                    tokio::time::sleep(Duration::from_millis(20 - i)).await;
                    order.borrow_mut().push(i);
                }
            },
            |()| {},
        )
        .await;
        assert_eq!(order.into_inner(), (0..20).collect::<Vec<_>>());
    }
}
