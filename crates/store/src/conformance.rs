//! The conformance suite: what every backend of [`Store`] must do, written
//! against the traits only (no SQL, no backend types), so the SQLite backend
//! and a PostgreSQL one run exactly the same cases.
//!
//! Each case is an `async fn case<S: Store + ?Sized>(store: &S)` that gets a
//! fresh, empty store. A backend runs the whole suite with one line in its tests:
//!
//! ```ignore
//! videoagent_store::conformance_suite!(sqlite, || async {
//!     let dir = tempfile::tempdir().unwrap();
//!     let store = SqliteStore::open(&dir.path().join("db.sqlite")).await.unwrap();
//!     (store, dir) // the store, and a guard dropped after it (`()` if none)
//! });
//! ```
//!
//! which makes a module `sqlite` with one `#[tokio::test]` per case
//! (`sqlite::claims_oldest_first`, …). The calling crate needs `tokio` (with
//! `macros` and `rt-multi-thread`); other crates reach this module through the
//! `conformance` feature.
//!
//! Times are explicit `now` values throughout, so nothing here sleeps or reads
//! a clock; a backend must take every time from its arguments.

use crate::{NewKey, NewTask, Outcome, Store, TaskRecord};
use std::collections::BTreeSet;
use videoagent_core::{MediaRef, TaskInputs, TaskStatus};

/// Instantiates every case of [`crate::conformance`] for one backend:
/// `conformance_suite!(name, factory)`, where `factory` is a closure returning
/// a future of `(store, guard)`: a fresh empty store, and something to keep
/// alive until the store is dropped (a temporary directory, a schema to drop; `()`).
/// Paths in `factory` resolve in the module it is called from.
#[macro_export]
macro_rules! conformance_suite {
    ($backend:ident, $factory:expr $(,)?) => {
        $crate::conformance_suite!(@cases $backend, $factory;
            // cases:begin (every `pub async fn` of conformance.rs; a test checks the list)
            task_round_trip_and_account_isolation,
            insert_then_get_returns_every_field,
            get_task_hides_tasks_at_or_before_the_cut_off,
            inserting_an_existing_id_fails_and_changes_nothing,
            count_by_status_lists_every_status,
            claims_oldest_first,
            concurrent_claims_never_share_a_task,
            lease_rules,
            a_lease_is_held_until_it_expires,
            an_expired_lease_cannot_be_renewed,
            heartbeat_extends_the_lease,
            only_the_lease_holder_changes_a_task,
            status_moves_only_forward,
            a_finished_task_never_changes_again,
            start_processing_stores_the_prepared_inputs,
            complete_records_the_outcome,
            attempts_count_every_claim_but_not_a_release,
            release_and_reap_put_tasks_back,
            release_hands_a_task_back_as_it_is,
            reap_all_frees_every_live_lease,
            retention_deletes_only_finished_tasks,
            retention_honours_the_cut_off_and_the_limit,
            deleting_a_task_deletes_its_callback_and_push,
            the_default_account_is_never_someone_elses,
            keys_are_found_by_hash_and_revocable,
            keys_round_trip_and_revocation_is_final,
            ping_and_node_numbers,
            verification_claims_are_held_until_hold_until,
            pushes_wait_for_verification_and_newer_states_replace_older,
            failed_verification_drops_pushes_and_retries_run_out,
            failed_verification_stops_later_pushes,
            a_push_is_stored_with_each_status_change,
            one_push_per_task_keeps_the_newest_state,
            delivery_id_is_stable_across_retries,
            pushes_are_claimed_oldest_first_up_to_the_limit,
            // cases:end
        );
    };
    (@cases $backend:ident, $factory:expr; $($case:ident,)*) => {
        mod $backend {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let (store, guard) = ($factory)().await;
                    $crate::conformance::$case(&store).await;
                    drop(store);
                    drop(guard);
                }
            )*
        }
    };
}

const TEMPLATE: &str = "393769180141805569";
const HOOK: &str = "https://cb.example/hook";
/// A lease long enough never to expire within a case.
const LONG: i64 = 1_000_000;

/// Task IDs in the shape of real ones; ascending with `n`, like real IDs with time.
fn id(n: u32) -> String {
    format!("1000000000000{n:05}")
}

fn task(id: &str, account: i64, now: i64) -> NewTask {
    NewTask {
        id: id.into(),
        account_id: account,
        template_id: TEMPLATE.into(),
        inputs: TaskInputs { texts: vec!["狮子".into()], media: vec![MediaRef::Url("https://x.y/z".into())] },
        callback_url: None,
        created_at: now,
    }
}

fn with_callback(mut t: NewTask) -> NewTask {
    t.callback_url = Some(HOOK.into());
    t
}

fn prepared() -> TaskInputs {
    TaskInputs { texts: vec!["狮子".into()], media: vec![MediaRef::Blob("inputs/x/0".into())] }
}

fn success() -> Outcome {
    Outcome::Success { video_key: "videos/x.mp4".into() }
}

fn fail() -> Outcome {
    Outcome::Fail { code: 2013, message: "bad image".into() }
}

/// The task as stored, whatever its age.
async fn get<S: Store + ?Sized>(s: &S, id: &str) -> Option<TaskRecord> {
    s.get_task(1, id, i64::MIN).await.unwrap()
}

/// Claims as `worker` and checks that the claimed task is `id`.
async fn claim_expect<S: Store + ?Sized>(s: &S, worker: &str, lease: i64, now: i64, id: &str) -> TaskRecord {
    let t = s.claim(worker, lease, now).await.unwrap().expect("a task to claim");
    assert_eq!(t.id, id, "claimed the wrong task");
    t
}

/// Claims task `id` (which must be the oldest claimable) and finishes it with `outcome`.
async fn finish<S: Store + ?Sized>(s: &S, id: &str, outcome: &Outcome, now: i64) {
    claim_expect(s, "finisher", LONG, now, id).await;
    if matches!(outcome, Outcome::Success { .. }) {
        assert!(s.start_processing(id, "finisher", &prepared(), now).await.unwrap());
    }
    assert!(s.complete(id, "finisher", outcome, now).await.unwrap());
}

fn ids<'a>(v: impl IntoIterator<Item = &'a String>) -> BTreeSet<String> {
    v.into_iter().cloned().collect()
}

// ---------------------------------------------------------------- tasks

pub async fn task_round_trip_and_account_isolation<S: Store + ?Sized>(s: &S) {
    s.insert_task(&task("100000000000000001", 1, 1000)).await.unwrap();
    let got = s.get_task(1, "100000000000000001", 0).await.unwrap().unwrap();
    assert_eq!(got.status, TaskStatus::Preparing);
    assert_eq!(got.inputs.texts, vec!["狮子"]);
    assert!(s.get_task(2, "100000000000000001", 0).await.unwrap().is_none());
    assert!(s.get_task(1, "100000000000000001", 1000).await.unwrap().is_none(), "expired is hidden");
}

pub async fn insert_then_get_returns_every_field<S: Store + ?Sized>(s: &S) {
    let mut t = with_callback(task(&id(1), 7, 1234));
    t.inputs = TaskInputs {
        texts: vec!["狮子".into(), "".into(), "line\nbreak \"quoted\"".into()],
        media: vec![MediaRef::Url("https://x.y/z?a=1&b=2".into()), MediaRef::Blob("inputs/1/0".into())],
    };
    s.insert_task(&t).await.unwrap();
    let got = s.get_task(7, &t.id, 0).await.unwrap().expect("stored");
    assert_eq!(
        got,
        TaskRecord {
            id: t.id.clone(),
            account_id: 7,
            template_id: TEMPLATE.into(),
            inputs: t.inputs.clone(),
            callback_url: Some(HOOK.into()),
            status: TaskStatus::Preparing,
            error_code: None,
            error_msg: None,
            video_key: None,
            created_at: 1234,
            updated_at: 1234,
            attempts: 0,
        }
    );
    assert!(s.get_task(7, &id(2), 0).await.unwrap().is_none(), "unknown id");
    assert!(s.get_task(1, &t.id, 0).await.unwrap().is_none(), "another account's task");
}

pub async fn get_task_hides_tasks_at_or_before_the_cut_off<S: Store + ?Sized>(s: &S) {
    s.insert_task(&task(&id(1), 1, 1000)).await.unwrap();
    assert!(s.get_task(1, &id(1), 999).await.unwrap().is_some(), "created after the cut-off");
    assert!(s.get_task(1, &id(1), 1000).await.unwrap().is_none(), "created at the cut-off");
    assert!(s.get_task(1, &id(1), 5000).await.unwrap().is_none(), "created before the cut-off");
    // Hidden, not deleted.
    assert!(s.get_task(1, &id(1), 999).await.unwrap().is_some());
}

pub async fn inserting_an_existing_id_fails_and_changes_nothing<S: Store + ?Sized>(s: &S) {
    let first = task(&id(1), 1, 10);
    s.insert_task(&first).await.unwrap();
    let before = get(s, &first.id).await.unwrap();
    let mut again = with_callback(task(&id(1), 1, 20));
    again.inputs.texts = vec!["other".into()];
    assert!(s.insert_task(&again).await.is_err(), "an ID is never reused");
    assert_eq!(get(s, &first.id).await.unwrap(), before);
    // The refused insert left no half of itself behind (its callback).
    assert!(s.claim_verifications(100, 100, 10).await.unwrap().is_empty());
}

pub async fn count_by_status_lists_every_status<S: Store + ?Sized>(s: &S) {
    let counts = s.count_by_status().await.unwrap();
    assert_eq!(counts.len(), TaskStatus::ALL.len());
    for st in TaskStatus::ALL {
        assert!(counts.contains(&(st, 0)), "{st} listed with 0 in an empty store");
    }
    for n in 1..=5 {
        s.insert_task(&task(&id(n), 1, 0)).await.unwrap();
    }
    finish(s, &id(1), &success(), 1).await;
    finish(s, &id(2), &fail(), 1).await;
    finish(s, &id(3), &fail(), 1).await;
    let t = claim_expect(s, "w", LONG, 2, &id(4)).await;
    assert!(s.start_processing(&t.id, "w", &prepared(), 2).await.unwrap());
    let mut counts = s.count_by_status().await.unwrap();
    counts.sort_by_key(|(st, _)| st.as_str());
    let mut want =
        vec![(TaskStatus::Preparing, 1), (TaskStatus::Processing, 1), (TaskStatus::Success, 1), (TaskStatus::Fail, 2)];
    want.sort_by_key(|(st, _)| st.as_str());
    assert_eq!(counts, want);
}

// ---------------------------------------------------------------- claims and leases

pub async fn claims_oldest_first<S: Store + ?Sized>(s: &S) {
    // Inserted newest first, so insertion order is not what is tested.
    for n in [3, 1, 4, 2] {
        s.insert_task(&task(&id(n), 1, i64::from(n))).await.unwrap();
    }
    finish(s, &id(1), &fail(), 10).await;
    let a = claim_expect(s, "w", LONG, 11, &id(2)).await;
    assert_eq!((a.status, a.attempts), (TaskStatus::Preparing, 1));
    assert_eq!(a.inputs, task(&id(2), 1, 0).inputs, "the claim returns the stored task");
    claim_expect(s, "w", LONG, 12, &id(3)).await;
    claim_expect(s, "w", LONG, 13, &id(4)).await;
    assert!(s.claim("w", LONG, 14).await.unwrap().is_none(), "all held or finished");
}

pub async fn concurrent_claims_never_share_a_task<S: Store + ?Sized>(s: &S) {
    const N: u32 = 24;
    for n in 1..=N {
        s.insert_task(&task(&id(n), 1, 0)).await.unwrap();
    }
    async fn claimer<S: Store + ?Sized>(s: &S, worker: &str) -> Vec<TaskRecord> {
        let mut got = Vec::new();
        while let Some(t) = s.claim(worker, LONG, 10).await.unwrap() {
            got.push(t);
        }
        got
    }
    let (a, b, c, d) = tokio::join!(claimer(s, "w1"), claimer(s, "w2"), claimer(s, "w3"), claimer(s, "w4"));
    let all: Vec<TaskRecord> = [a, b, c, d].concat();
    assert_eq!(all.len(), N as usize, "every task claimed exactly once");
    assert_eq!(ids(all.iter().map(|t| &t.id)), (1..=N).map(id).collect::<BTreeSet<_>>());
    assert!(all.iter().all(|t| t.attempts == 1), "no task was claimed twice");
}

pub async fn lease_rules<S: Store + ?Sized>(s: &S) {
    s.insert_task(&task("100000000000000001", 1, 0)).await.unwrap();
    let t = s.claim("w1", 1000, 10).await.unwrap().unwrap();
    assert_eq!(t.attempts, 1);
    assert!(s.claim("w2", 1000, 20).await.unwrap().is_none(), "held task is not claimable");
    assert!(s.heartbeat(&t.id, "w1", 1000, 500).await.unwrap());
    assert!(!s.heartbeat(&t.id, "w2", 1000, 500).await.unwrap(), "only the holder heartbeats");
    // The lease (now until 1500) expires; w2 takes over and w1 can no longer finish.
    let t2 = s.claim("w2", 1000, 1600).await.unwrap().unwrap();
    assert_eq!(t2.attempts, 2);
    assert!(!s.start_processing(&t.id, "w1", &t.inputs, 1600).await.unwrap());
    assert!(s.start_processing(&t.id, "w2", &t.inputs, 1600).await.unwrap());
    let ok = Outcome::Success { video_key: "videos/x.mp4".into() };
    assert!(!s.complete(&t.id, "w1", &ok, 1700).await.unwrap());
    assert!(s.complete(&t.id, "w2", &ok, 1700).await.unwrap());
    let done = s.get_task(1, &t.id, -1).await.unwrap().unwrap();
    assert_eq!(done.status, TaskStatus::Success);
    assert_eq!(done.video_key.as_deref(), Some("videos/x.mp4"));
    // A finished task never changes again.
    let fail = Outcome::Fail { code: 1000, message: "x".into() };
    assert!(!s.complete(&t.id, "w2", &fail, 1800).await.unwrap());
    assert!(s.claim("w3", 1000, 5000).await.unwrap().is_none());
}

pub async fn a_lease_is_held_until_it_expires<S: Store + ?Sized>(s: &S) {
    s.insert_task(&task(&id(1), 1, 0)).await.unwrap();
    claim_expect(s, "w1", 1000, 100, &id(1)).await; // held until 1100
    assert!(s.claim("w2", 1000, 1100).await.unwrap().is_none(), "still held at its expiry time");
    assert!(s.heartbeat(&id(1), "w1", 1000, 1100).await.unwrap(), "the holder may still act at expiry");
    assert!(s.claim("w2", 1000, 2100).await.unwrap().is_none(), "held until 2100 now");
    // Expired: w2 takes it over, and from then on only w2 may change it.
    let t = claim_expect(s, "w2", 1000, 2101, &id(1)).await;
    assert_eq!(t.attempts, 2, "a lost lease counts as an attempt");
    assert!(!s.heartbeat(&id(1), "w1", 1000, 2101).await.unwrap());
    assert!(!s.start_processing(&id(1), "w1", &prepared(), 2101).await.unwrap());
    assert!(!s.complete(&id(1), "w1", &fail(), 2101).await.unwrap());
    s.release(&id(1), "w1").await.unwrap();
    assert!(s.claim("w3", 1000, 2102).await.unwrap().is_none(), "the old holder cannot release it");
    assert!(s.heartbeat(&id(1), "w2", 1000, 2102).await.unwrap());
    assert!(s.start_processing(&id(1), "w2", &prepared(), 2103).await.unwrap());
    assert!(s.complete(&id(1), "w2", &success(), 2104).await.unwrap());
    assert_eq!(get(s, &id(1)).await.unwrap().status, TaskStatus::Success);
}

pub async fn an_expired_lease_cannot_be_renewed<S: Store + ?Sized>(s: &S) {
    s.insert_task(&task(&id(1), 1, 0)).await.unwrap();
    claim_expect(s, "w1", 100, 0, &id(1)).await; // held until 100
                                                 // Nobody else claimed it, but the lease ran out: the worker no longer holds it.
    assert!(!s.heartbeat(&id(1), "w1", 100, 101).await.unwrap());
    assert!(!s.start_processing(&id(1), "w1", &prepared(), 101).await.unwrap());
    assert!(!s.complete(&id(1), "w1", &fail(), 101).await.unwrap());
    let t = get(s, &id(1)).await.unwrap();
    assert_eq!((t.status, t.attempts), (TaskStatus::Preparing, 1));
    // It can be claimed again (by anyone, the same worker too), as a new attempt.
    let again = claim_expect(s, "w1", 100, 101, &id(1)).await;
    assert_eq!(again.attempts, 2);
    assert!(s.start_processing(&id(1), "w1", &prepared(), 102).await.unwrap());
}

pub async fn heartbeat_extends_the_lease<S: Store + ?Sized>(s: &S) {
    s.insert_task(&task(&id(1), 1, 0)).await.unwrap();
    claim_expect(s, "w1", 100, 0, &id(1)).await; // until 100
    assert!(s.heartbeat(&id(1), "w1", 100, 90).await.unwrap()); // until 190
    assert!(s.claim("w2", 100, 150).await.unwrap().is_none());
    assert!(s.start_processing(&id(1), "w1", &prepared(), 150).await.unwrap());
    assert!(s.heartbeat(&id(1), "w1", 100, 180).await.unwrap(), "a Processing task heartbeats too"); // until 280
    assert!(s.claim("w2", 100, 250).await.unwrap().is_none());
    assert!(s.complete(&id(1), "w1", &success(), 270).await.unwrap(), "the extended lease is still held");

    s.insert_task(&task(&id(2), 1, 0)).await.unwrap();
    claim_expect(s, "w1", 100, 300, &id(2)).await; // until 400
    assert!(s.heartbeat(&id(2), "w1", 100, 350).await.unwrap()); // until 450
    assert!(s.claim("w2", 100, 450).await.unwrap().is_none());
    let t = claim_expect(s, "w2", 100, 451, &id(2)).await;
    assert_eq!(t.attempts, 2, "heartbeats are not attempts");
}

pub async fn only_the_lease_holder_changes_a_task<S: Store + ?Sized>(s: &S) {
    s.insert_task(&task(&id(1), 1, 0)).await.unwrap();
    // Nobody holds it yet: nobody may change it.
    assert!(!s.heartbeat(&id(1), "w1", LONG, 1).await.unwrap());
    assert!(!s.start_processing(&id(1), "w1", &prepared(), 1).await.unwrap());
    assert!(!s.complete(&id(1), "w1", &fail(), 1).await.unwrap());
    let unclaimed = get(s, &id(1)).await.unwrap();
    assert_eq!((unclaimed.status, unclaimed.attempts), (TaskStatus::Preparing, 0));

    claim_expect(s, "w1", LONG, 2, &id(1)).await;
    let held = get(s, &id(1)).await.unwrap();
    assert!(!s.heartbeat(&id(1), "w2", LONG, 3).await.unwrap());
    assert!(!s.start_processing(&id(1), "w2", &prepared(), 3).await.unwrap());
    assert!(!s.complete(&id(1), "w2", &fail(), 3).await.unwrap());
    assert!(!s.complete(&id(1), "w2", &success(), 3).await.unwrap());
    s.release(&id(1), "w2").await.unwrap();
    assert_eq!(get(s, &id(1)).await.unwrap(), held, "nothing changed");
    assert!(s.claim("w3", LONG, 4).await.unwrap().is_none(), "still held by w1");

    // Unknown tasks: nothing to change.
    assert!(!s.heartbeat(&id(9), "w1", LONG, 5).await.unwrap());
    assert!(!s.start_processing(&id(9), "w1", &prepared(), 5).await.unwrap());
    assert!(!s.complete(&id(9), "w1", &fail(), 5).await.unwrap());
    s.release(&id(9), "w1").await.unwrap();
}

/// Every verb that moves a task, from every state, succeeds exactly when
/// `videoagent_core::status` allows the move.
pub async fn status_moves_only_forward<S: Store + ?Sized>(s: &S) {
    use TaskStatus::*;
    let mut n = 0;
    for from in TaskStatus::ALL {
        for to in [Processing, Success, Fail] {
            n += 1;
            let tid = id(n);
            let now = i64::from(n) * 10;
            s.insert_task(&task(&tid, 1, now)).await.unwrap();
            claim_expect(s, "w", LONG, now, &tid).await;
            match from {
                Preparing => {}
                Processing => assert!(s.start_processing(&tid, "w", &prepared(), now).await.unwrap()),
                Success => {
                    assert!(s.start_processing(&tid, "w", &prepared(), now).await.unwrap());
                    assert!(s.complete(&tid, "w", &success(), now).await.unwrap());
                }
                Fail => assert!(s.complete(&tid, "w", &fail(), now).await.unwrap()),
            }
            let before = get(s, &tid).await.unwrap();
            assert_eq!(before.status, from);
            let moved = match to {
                Processing => s.start_processing(&tid, "w", &prepared(), now + 1).await.unwrap(),
                Success => s.complete(&tid, "w", &success(), now + 1).await.unwrap(),
                Fail => s.complete(&tid, "w", &fail(), now + 1).await.unwrap(),
                Preparing => unreachable!(),
            };
            assert_eq!(moved, from.can_become(to), "{from} -> {to}");
            let after = get(s, &tid).await.unwrap();
            if moved {
                assert_eq!(after.status, to, "{from} -> {to}");
            } else {
                assert_eq!(after, before, "a refused {from} -> {to} changes nothing");
            }
        }
    }
}

pub async fn a_finished_task_never_changes_again<S: Store + ?Sized>(s: &S) {
    for (n, outcome) in [(1, success()), (2, fail())] {
        let tid = id(n);
        s.insert_task(&with_callback(task(&tid, 1, 0))).await.unwrap();
        finish(s, &tid, &outcome, 10).await;
        let done = get(s, &tid).await.unwrap();
        assert_eq!(done.status, outcome.status());
        assert!(!s.heartbeat(&tid, "finisher", LONG, 11).await.unwrap());
        assert!(!s.start_processing(&tid, "finisher", &prepared(), 11).await.unwrap());
        assert!(!s.complete(&tid, "finisher", &success(), 11).await.unwrap());
        assert!(!s.complete(&tid, "finisher", &fail(), 11).await.unwrap());
        s.release(&tid, "finisher").await.unwrap();
        assert_eq!(s.reap_all().await.unwrap(), 0, "a finished task holds no lease");
        assert!(s.claim("w", LONG, i64::MAX / 2).await.unwrap().is_none(), "never claimed again");
        assert_eq!(get(s, &tid).await.unwrap(), done);
    }
}

pub async fn start_processing_stores_the_prepared_inputs<S: Store + ?Sized>(s: &S) {
    s.insert_task(&task(&id(1), 1, 0)).await.unwrap();
    claim_expect(s, "w", LONG, 5, &id(1)).await;
    assert!(s.start_processing(&id(1), "w", &prepared(), 7).await.unwrap());
    let t = get(s, &id(1)).await.unwrap();
    assert_eq!(t.status, TaskStatus::Processing);
    assert_eq!(t.inputs, prepared(), "the rewritten inputs replace the submitted ones");
    assert_eq!((t.updated_at, t.created_at, t.attempts), (7, 0, 1));
    // A later attempt starts from them.
    s.release(&id(1), "w").await.unwrap();
    let again = claim_expect(s, "w2", LONG, 8, &id(1)).await;
    assert_eq!((again.status, again.inputs), (TaskStatus::Processing, prepared()));
}

pub async fn complete_records_the_outcome<S: Store + ?Sized>(s: &S) {
    s.insert_task(&task(&id(1), 1, 0)).await.unwrap();
    s.insert_task(&task(&id(2), 1, 0)).await.unwrap();
    s.insert_task(&task(&id(3), 1, 0)).await.unwrap();

    claim_expect(s, "w", LONG, 1, &id(1)).await;
    assert!(s.start_processing(&id(1), "w", &prepared(), 2).await.unwrap());
    assert!(s.complete(&id(1), "w", &success(), 3).await.unwrap());
    let ok = get(s, &id(1)).await.unwrap();
    assert_eq!(ok.status, TaskStatus::Success);
    assert_eq!(ok.video_key.as_deref(), Some("videos/x.mp4"));
    assert_eq!((ok.error_code, ok.error_msg.as_deref()), (None, None));
    assert_eq!(ok.updated_at, 3);

    // Preparing -> Fail (inputs could not be fetched).
    claim_expect(s, "w", LONG, 4, &id(2)).await;
    assert!(s.complete(&id(2), "w", &fail(), 5).await.unwrap());
    let bad = get(s, &id(2)).await.unwrap();
    assert_eq!(bad.status, TaskStatus::Fail);
    assert_eq!((bad.error_code, bad.error_msg.as_deref()), (Some(2013), Some("bad image")));
    assert_eq!(bad.video_key, None);
    assert_eq!(bad.updated_at, 5);

    // Processing -> Fail.
    claim_expect(s, "w", LONG, 6, &id(3)).await;
    assert!(s.start_processing(&id(3), "w", &prepared(), 6).await.unwrap());
    let out = Outcome::Fail { code: 1000, message: "render attempts exhausted".into() };
    assert!(s.complete(&id(3), "w", &out, 7).await.unwrap());
    let bad = get(s, &id(3)).await.unwrap();
    assert_eq!((bad.status, bad.error_code), (TaskStatus::Fail, Some(1000)));
    assert_eq!(bad.error_msg.as_deref(), Some("render attempts exhausted"));
}

pub async fn attempts_count_every_claim_but_not_a_release<S: Store + ?Sized>(s: &S) {
    s.insert_task(&task(&id(1), 1, 0)).await.unwrap();
    assert_eq!(claim_expect(s, "w1", 10, 0, &id(1)).await.attempts, 1);
    assert_eq!(get(s, &id(1)).await.unwrap().attempts, 1);
    assert_eq!(claim_expect(s, "w2", 10, 11, &id(1)).await.attempts, 2, "expired lease");
    assert_eq!(s.reap_all().await.unwrap(), 1);
    assert_eq!(claim_expect(s, "w3", LONG, 12, &id(1)).await.attempts, 3, "reaped lease");
    s.release(&id(1), "w3").await.unwrap();
    assert_eq!(get(s, &id(1)).await.unwrap().attempts, 2, "released: the claim is not counted");
    s.release(&id(1), "w3").await.unwrap();
    assert_eq!(get(s, &id(1)).await.unwrap().attempts, 2, "a second release takes nothing off");
    assert_eq!(claim_expect(s, "w4", LONG, 13, &id(1)).await.attempts, 3);
}

pub async fn release_and_reap_put_tasks_back<S: Store + ?Sized>(s: &S) {
    s.insert_task(&task("100000000000000001", 1, 0)).await.unwrap();
    let t = s.claim("w1", 60_000, 10).await.unwrap().unwrap();
    s.release(&t.id, "w1").await.unwrap();
    let again = s.claim("w2", 60_000, 20).await.unwrap().unwrap();
    assert_eq!(again.attempts, 1, "a graceful release is not a lost attempt");
    assert_eq!(s.reap_all().await.unwrap(), 1);
    let third = s.claim("w3", 60_000, 30).await.unwrap().unwrap();
    assert_eq!(third.attempts, 2, "a reaped lease counts as lost");
    // Preparing -> Success is not a legal transition.
    let ok = Outcome::Success { video_key: "k".into() };
    assert!(!s.complete(&t.id, "w3", &ok, 40).await.unwrap());
}

pub async fn release_hands_a_task_back_as_it_is<S: Store + ?Sized>(s: &S) {
    s.insert_task(&task(&id(1), 1, 0)).await.unwrap();
    claim_expect(s, "w1", LONG, 1, &id(1)).await;
    assert!(s.start_processing(&id(1), "w1", &prepared(), 2).await.unwrap());
    s.release(&id(1), "w1").await.unwrap();
    let t = get(s, &id(1)).await.unwrap();
    assert_eq!((t.status, t.inputs.clone(), t.attempts), (TaskStatus::Processing, prepared(), 0));
    // The former holder may no longer change it.
    assert!(!s.heartbeat(&id(1), "w1", LONG, 3).await.unwrap());
    assert!(!s.complete(&id(1), "w1", &success(), 3).await.unwrap());
    assert_eq!(get(s, &id(1)).await.unwrap(), t);
    // Claimable at once, long before the old lease would have expired.
    let again = claim_expect(s, "w2", LONG, 3, &id(1)).await;
    assert_eq!((again.status, again.attempts), (TaskStatus::Processing, 1));
    assert!(s.complete(&id(1), "w2", &success(), 4).await.unwrap());
}

pub async fn reap_all_frees_every_live_lease<S: Store + ?Sized>(s: &S) {
    for n in 1..=4 {
        s.insert_task(&task(&id(n), 1, 0)).await.unwrap();
    }
    finish(s, &id(1), &success(), 1).await;
    claim_expect(s, "w1", LONG, 2, &id(2)).await;
    claim_expect(s, "w2", LONG, 2, &id(3)).await;
    assert!(s.start_processing(&id(3), "w2", &prepared(), 3).await.unwrap());
    // id(4) is not claimed; id(1) is finished.
    let finished = get(s, &id(1)).await.unwrap();
    assert_eq!(s.reap_all().await.unwrap(), 2, "the two held tasks");
    assert_eq!(get(s, &id(1)).await.unwrap(), finished);
    assert!(!s.heartbeat(&id(2), "w1", LONG, 4).await.unwrap(), "reaped leases are gone");
    assert!(!s.complete(&id(3), "w2", &success(), 4).await.unwrap());
    let a = claim_expect(s, "w3", LONG, 4, &id(2)).await;
    let b = claim_expect(s, "w3", LONG, 4, &id(3)).await;
    let c = claim_expect(s, "w3", LONG, 4, &id(4)).await;
    assert_eq!((a.attempts, b.attempts, c.attempts), (2, 2, 1));
    assert_eq!((b.status, b.inputs), (TaskStatus::Processing, prepared()));
    assert_eq!(s.reap_all().await.unwrap(), 3);
    assert_eq!(s.reap_all().await.unwrap(), 0, "nothing left to reap");
}

// ---------------------------------------------------------------- retention

pub async fn retention_deletes_only_finished_tasks<S: Store + ?Sized>(s: &S) {
    let a = task("100000000000000001", 1, 0);
    let b = task("100000000000000002", 1, 0);
    s.insert_task(&a).await.unwrap();
    s.insert_task(&b).await.unwrap();
    let t = s.claim("w", 10_000, 1).await.unwrap().unwrap();
    assert!(s.complete(&t.id, "w", &Outcome::Fail { code: 2013, message: "m".into() }, 2).await.unwrap());
    assert!(s.delete_expired(-1, 10).await.unwrap().is_empty(), "not old enough yet");
    let gone = s.delete_expired(0, 10).await.unwrap();
    assert_eq!(gone.len(), 1);
    assert_eq!(gone[0].id, a.id);
    let counts = s.count_by_status().await.unwrap();
    assert!(counts.contains(&(TaskStatus::Preparing, 1)));
    assert!(counts.contains(&(TaskStatus::Fail, 0)));
}

pub async fn retention_honours_the_cut_off_and_the_limit<S: Store + ?Sized>(s: &S) {
    // Finished: 1 (created 0), 3 (5), 4 (6), 5 (10). Unfinished and old: 2 (0), 6 (0, Processing).
    for (n, created) in [(1, 0), (3, 5), (4, 6), (5, 10)] {
        s.insert_task(&task(&id(n), 1, created)).await.unwrap();
        let outcome = if n == 1 { success() } else { fail() };
        finish(s, &id(n), &outcome, 20).await;
    }
    s.insert_task(&task(&id(6), 1, 0)).await.unwrap();
    claim_expect(s, "w", LONG, 20, &id(6)).await;
    assert!(s.start_processing(&id(6), "w", &prepared(), 20).await.unwrap());
    s.insert_task(&task(&id(2), 1, 0)).await.unwrap();

    let first = s.delete_expired(6, 2).await.unwrap();
    assert_eq!(first.len(), 2, "at most `limit` at a time");
    let rest = s.delete_expired(6, 10).await.unwrap();
    assert_eq!(rest.len(), 1);
    let gone: Vec<TaskRecord> = [first, rest].concat();
    assert_eq!(ids(gone.iter().map(|t| &t.id)), ids(&[id(1), id(3), id(4)]), "finished, created at or before 6");
    let one = gone.iter().find(|t| t.id == id(1)).unwrap();
    assert_eq!(one.video_key.as_deref(), Some("videos/x.mp4"), "returned whole, so its blobs can go");
    assert_eq!(one.status, TaskStatus::Success);
    for n in [1, 3, 4] {
        assert!(get(s, &id(n)).await.is_none(), "{} deleted", id(n));
    }
    for n in [2, 5, 6] {
        assert!(get(s, &id(n)).await.is_some(), "{} kept", id(n));
    }
    assert!(s.delete_expired(6, 10).await.unwrap().is_empty());
    assert!(s.delete_expired(i64::MAX, 10).await.unwrap().iter().map(|t| &t.id).eq([&id(5)]));
    // The Processing task can still finish, and then goes too.
    assert!(s.complete(&id(6), "w", &success(), 30).await.unwrap());
    assert!(s.delete_expired(0, 10).await.unwrap().iter().map(|t| &t.id).eq([&id(6)]));
}

pub async fn deleting_a_task_deletes_its_callback_and_push<S: Store + ?Sized>(s: &S) {
    // 1: verified, a push waiting. 2: callback never challenged.
    s.insert_task(&with_callback(task(&id(1), 1, 0))).await.unwrap();
    s.insert_task(&with_callback(task(&id(2), 1, 0))).await.unwrap();
    s.set_verification(&id(1), true, None, 1).await.unwrap();
    finish(s, &id(1), &success(), 2).await;
    finish(s, &id(2), &fail(), 2).await;
    assert_eq!(s.delete_expired(0, 10).await.unwrap().len(), 2);
    assert!(s.claim_pushes(100, 100, 10).await.unwrap().is_empty(), "the push went with its task");
    assert!(s.claim_verifications(100, 100, 10).await.unwrap().is_empty(), "so did the callback");
}

// ---------------------------------------------------------------- accounts and keys

pub async fn the_default_account_is_never_someone_elses<S: Store + ?Sized>(s: &S) {
    let alice = s.create_account("alice", 0).await.unwrap();
    let default = s.default_account(1).await.unwrap();
    assert_ne!(alice, default);
    assert_eq!(s.default_account(2).await.unwrap(), default);
}

pub async fn keys_are_found_by_hash_and_revocable<S: Store + ?Sized>(s: &S) {
    let acc = s.default_account(0).await.unwrap();
    assert_eq!(s.default_account(0).await.unwrap(), acc, "idempotent");
    let hash = [7u8; 32];
    let k = NewKey { id: "0707".into(), account_id: acc, name: "ci".into(), hash, hint: "sk…".into(), created_at: 1 };
    assert!(s.insert_key(&k).await.unwrap());
    assert!(!s.insert_key(&k).await.unwrap(), "insert-if-absent");
    let found = s.find_active_key(&hash).await.unwrap().unwrap();
    assert_eq!((found.account_id, found.account_name.as_str()), (acc, "default"));
    assert_eq!(s.count_keys().await.unwrap(), 1);
    assert!(s.revoke_key("0707", 5).await.unwrap());
    assert!(s.find_active_key(&hash).await.unwrap().is_none());
    assert_eq!(s.list_keys().await.unwrap()[0].revoked_at, Some(5));
    let other = s.create_account("acme", 2).await.unwrap();
    assert_ne!(other, acc);
    assert!(s.account_exists(other).await.unwrap());
    assert!(!s.account_exists(999).await.unwrap());
    assert!(s.allocate_node(0).await.unwrap() != s.allocate_node(0).await.unwrap());
}

pub async fn keys_round_trip_and_revocation_is_final<S: Store + ?Sized>(s: &S) {
    let alice = s.create_account("alice", 0).await.unwrap();
    let bob = s.create_account("bob", 0).await.unwrap();
    assert!(s.account_exists(alice).await.unwrap() && s.account_exists(bob).await.unwrap());
    let mut h1 = [0u8; 32];
    h1[0] = 1;
    h1[31] = 0xff;
    let h2 = [2u8; 32];
    let k1 = NewKey {
        id: "01aa".into(),
        account_id: alice,
        name: "ci".into(),
        hash: h1,
        hint: "sk-…a1".into(),
        created_at: 10,
    };
    let k2 = NewKey {
        id: "0202".into(),
        account_id: bob,
        name: "prod".into(),
        hash: h2,
        hint: "sk-…b2".into(),
        created_at: 11,
    };
    assert!(s.insert_key(&k1).await.unwrap());
    assert!(s.insert_key(&k2).await.unwrap());
    let same_hash = NewKey { id: "01bb".into(), name: "copy".into(), ..k1.clone() };
    assert!(!s.insert_key(&same_hash).await.unwrap(), "a hash is stored once");
    assert_eq!(s.count_keys().await.unwrap(), 2);

    let found = s.find_active_key(&h1).await.unwrap().expect("live key");
    assert_eq!(
        found,
        crate::KeyRecord {
            id: "01aa".into(),
            account_id: alice,
            account_name: "alice".into(),
            name: "ci".into(),
            hint: "sk-…a1".into(),
            hash: h1.to_vec(),
            created_at: 10,
            revoked_at: None,
        }
    );
    let found2 = s.find_active_key(&h2).await.unwrap().expect("live key");
    assert_eq!((found2.id.as_str(), found2.account_id, found2.account_name.as_str()), ("0202", bob, "bob"));
    assert!(s.find_active_key(&[9u8; 32]).await.unwrap().is_none(), "unknown hash");

    assert!(!s.revoke_key("ffff", 20).await.unwrap(), "no such key");
    assert!(s.revoke_key("01aa", 20).await.unwrap());
    assert!(!s.revoke_key("01aa", 21).await.unwrap(), "already revoked");
    assert!(s.find_active_key(&h1).await.unwrap().is_none());
    assert!(s.find_active_key(&h2).await.unwrap().is_some(), "other keys stay live");
    assert!(!s.insert_key(&same_hash).await.unwrap(), "a revoked key cannot come back under another id");
    assert!(s.find_active_key(&h1).await.unwrap().is_none());

    let keys = s.list_keys().await.unwrap();
    assert_eq!(keys.len(), 2, "revoked keys are listed too");
    let revoked = keys.iter().find(|k| k.id == "01aa").unwrap();
    assert_eq!(revoked.revoked_at, Some(20), "the first revocation's time");
    assert_eq!(keys.iter().find(|k| k.id == "0202").unwrap().revoked_at, None);
    assert_eq!(s.count_keys().await.unwrap(), 2);
}

pub async fn ping_and_node_numbers<S: Store + ?Sized>(s: &S) {
    s.ping().await.unwrap();
    let mut seen = BTreeSet::new();
    for now in 0..5 {
        let node = s.allocate_node(now).await.unwrap();
        assert!(node < 1000, "node {node} out of range");
        assert!(seen.insert(node), "node {node} handed out twice");
    }
}

// ---------------------------------------------------------------- callbacks and the outbox

pub async fn verification_claims_are_held_until_hold_until<S: Store + ?Sized>(s: &S) {
    s.insert_task(&with_callback(task(&id(1), 1, 0))).await.unwrap();
    s.insert_task(&with_callback(task(&id(2), 1, 0))).await.unwrap();
    s.insert_task(&task(&id(3), 1, 0)).await.unwrap();
    let first = s.claim_verifications(10, 20, 1).await.unwrap();
    assert_eq!(first.len(), 1, "at most `limit`");
    let second = s.claim_verifications(11, 20, 10).await.unwrap();
    assert_eq!(second.len(), 1, "the other one only");
    let both = [first, second].concat();
    assert_eq!(ids(both.iter().map(|(t, _)| t)), ids(&[id(1), id(2)]), "only tasks with a callback");
    assert!(both.iter().all(|(_, url)| url == HOOK));
    assert!(s.claim_verifications(19, 30, 10).await.unwrap().is_empty(), "held until 20");
    // Nobody recorded a result (a crash mid-challenge): they come back at 20.
    let again = s.claim_verifications(20, 30, 10).await.unwrap();
    assert_eq!(ids(again.iter().map(|(t, _)| t)), ids(&[id(1), id(2)]));
    s.set_verification(&id(1), true, None, 21).await.unwrap();
    s.set_verification(&id(2), false, Some("wrong echo"), 21).await.unwrap();
    assert!(s.claim_verifications(1000, 1000, 10).await.unwrap().is_empty(), "a result is final");
}

pub async fn pushes_wait_for_verification_and_newer_states_replace_older<S: Store + ?Sized>(s: &S) {
    let mut t = task("100000000000000001", 1, 0);
    t.callback_url = Some("https://cb.example/hook".into());
    s.insert_task(&t).await.unwrap();
    s.insert_task(&task("100000000000000002", 1, 0)).await.unwrap();
    assert_eq!(s.claim_verifications(0, 5, 10).await.unwrap(), vec![(t.id.clone(), "https://cb.example/hook".into())]);
    assert!(s.claim_verifications(1, 5, 10).await.unwrap().is_empty(), "claimed until 5");

    let c = s.claim("w", 60_000, 1).await.unwrap().unwrap();
    assert!(s.start_processing(&c.id, "w", &c.inputs, 2).await.unwrap());
    assert!(s.claim_pushes(10, 10, 10).await.unwrap().is_empty(), "held until the challenge passes");
    s.set_verification(&t.id, true, None, 3).await.unwrap();
    assert!(s.claim_verifications(100, 100, 10).await.unwrap().is_empty());
    let due = s.claim_pushes(10, 40, 10).await.unwrap();
    assert_eq!(due.len(), 1);
    assert!(s.claim_pushes(20, 40, 10).await.unwrap().is_empty(), "in flight until 40");
    assert_eq!(due[0].status, TaskStatus::Processing);

    // A retry keeps the delivery id; a newer state replaces the push.
    s.push_retry(&t.id, &due[0].delivery_id, 10, Some(100)).await.unwrap();
    assert!(s.claim_pushes(50, 50, 10).await.unwrap().is_empty());
    assert_eq!(s.claim_pushes(100, 100, 10).await.unwrap()[0].delivery_id, due[0].delivery_id);
    assert!(s.complete(&t.id, "w", &Outcome::Success { video_key: "v".into() }, 60).await.unwrap());
    let newer = s.claim_pushes(60, 60, 10).await.unwrap();
    assert_eq!(newer[0].status, TaskStatus::Success);
    assert_eq!(newer[0].attempts, 0);
    assert_ne!(newer[0].delivery_id, due[0].delivery_id);
    assert!(!s.push_delivered(&t.id, &due[0].delivery_id).await.unwrap(), "stale delivery id");
    assert!(s.push_delivered(&t.id, &newer[0].delivery_id).await.unwrap());
    assert!(s.claim_pushes(1000, 1000, 10).await.unwrap().is_empty());
    // Tasks without a callback queue nothing.
    let other = s.claim("w", 60_000, 70).await.unwrap().unwrap();
    assert!(s.start_processing(&other.id, "w", &other.inputs, 71).await.unwrap());
    assert!(s.claim_pushes(1000, 1000, 10).await.unwrap().is_empty());
}

pub async fn failed_verification_drops_pushes_and_retries_run_out<S: Store + ?Sized>(s: &S) {
    let mut t = task("100000000000000001", 1, 0);
    t.callback_url = Some("https://cb.example/hook".into());
    s.insert_task(&t).await.unwrap();
    let c = s.claim("w", 60_000, 1).await.unwrap().unwrap();
    assert!(s.start_processing(&c.id, "w", &c.inputs, 2).await.unwrap());
    s.set_verification(&t.id, false, Some("wrong echo"), 3).await.unwrap();
    assert!(s.claim_pushes(1000, 1000, 10).await.unwrap().is_empty());
    // Another task: a push whose retries run out is dropped.
    let mut u = task("100000000000000002", 1, 0);
    u.callback_url = Some("https://cb.example/hook".into());
    s.insert_task(&u).await.unwrap();
    s.set_verification(&u.id, true, None, 3).await.unwrap();
    let c = s.claim("w", 60_000, 4).await.unwrap().unwrap();
    assert!(s.start_processing(&c.id, "w", &c.inputs, 5).await.unwrap());
    let due = s.claim_pushes(10, 10, 10).await.unwrap();
    s.push_retry(&u.id, &due[0].delivery_id, 10, None).await.unwrap();
    assert!(s.claim_pushes(i64::MAX, i64::MAX, 10).await.unwrap().is_empty());
}

pub async fn failed_verification_stops_later_pushes<S: Store + ?Sized>(s: &S) {
    s.insert_task(&with_callback(task(&id(1), 1, 0))).await.unwrap();
    s.set_verification(&id(1), false, Some("timed out"), 1).await.unwrap();
    claim_expect(s, "w", LONG, 2, &id(1)).await;
    assert!(s.start_processing(&id(1), "w", &prepared(), 3).await.unwrap(), "the task itself goes on");
    assert!(s.complete(&id(1), "w", &success(), 4).await.unwrap());
    assert!(s.claim_pushes(1000, 1000, 10).await.unwrap().is_empty(), "no push to a failed callback");
    assert_eq!(get(s, &id(1)).await.unwrap().status, TaskStatus::Success);
}

pub async fn a_push_is_stored_with_each_status_change<S: Store + ?Sized>(s: &S) {
    s.insert_task(&with_callback(task(&id(1), 1, 0))).await.unwrap();
    s.insert_task(&with_callback(task(&id(2), 1, 0))).await.unwrap();
    s.set_verification(&id(1), true, None, 1).await.unwrap();
    s.set_verification(&id(2), true, None, 1).await.unwrap();
    assert!(s.claim_pushes(1000, 1000, 10).await.unwrap().is_empty(), "creating a task pushes nothing");

    claim_expect(s, "w", LONG, 2, &id(1)).await;
    assert!(s.claim_pushes(1000, 1000, 10).await.unwrap().is_empty(), "a claim is not a status change");
    assert!(s.start_processing(&id(1), "w", &prepared(), 5).await.unwrap());
    let p = s.claim_pushes(5, 6, 10).await.unwrap();
    assert_eq!(p.len(), 1);
    assert_eq!(
        (p[0].task_id.as_str(), p[0].status, p[0].attempts, p[0].first_attempt_at, p[0].url.as_str()),
        (id(1).as_str(), TaskStatus::Processing, 0, None, HOOK)
    );
    assert_eq!((p[0].error_code, p[0].error_msg.as_deref()), (None, None));
    assert!(s.push_delivered(&id(1), &p[0].delivery_id).await.unwrap());

    assert!(s.complete(&id(1), "w", &fail(), 7).await.unwrap());
    let f = s.claim_pushes(7, 8, 10).await.unwrap();
    assert_eq!(f.len(), 1);
    assert_eq!((f[0].task_id.as_str(), f[0].status, f[0].attempts), (id(1).as_str(), TaskStatus::Fail, 0));
    assert_eq!((f[0].error_code, f[0].error_msg.as_deref()), (Some(2013), Some("bad image")));
    assert_ne!(f[0].delivery_id, p[0].delivery_id, "a new status, a new delivery");
    assert!(s.push_delivered(&id(1), &f[0].delivery_id).await.unwrap());

    // Preparing -> Fail pushes the failure; a refused change pushes nothing.
    claim_expect(s, "w", LONG, 9, &id(2)).await;
    assert!(!s.complete(&id(2), "w", &success(), 9).await.unwrap());
    assert!(s.claim_pushes(1000, 1000, 10).await.unwrap().is_empty(), "nothing changed, nothing pushed");
    assert!(s.complete(&id(2), "w", &fail(), 10).await.unwrap());
    let g = s.claim_pushes(10, 11, 10).await.unwrap();
    assert_eq!(g.len(), 1);
    assert_eq!((g[0].task_id.as_str(), g[0].status, g[0].error_code), (id(2).as_str(), TaskStatus::Fail, Some(2013)));
}

pub async fn one_push_per_task_keeps_the_newest_state<S: Store + ?Sized>(s: &S) {
    // Two changes while the challenge is pending: one push, the newest.
    s.insert_task(&with_callback(task(&id(1), 1, 0))).await.unwrap();
    claim_expect(s, "w", LONG, 1, &id(1)).await;
    assert!(s.start_processing(&id(1), "w", &prepared(), 2).await.unwrap());
    assert!(s.complete(&id(1), "w", &success(), 3).await.unwrap());
    s.set_verification(&id(1), true, None, 4).await.unwrap();
    let due = s.claim_pushes(10, 20, 10).await.unwrap();
    assert_eq!(due.len(), 1, "one row per task");
    assert_eq!((due[0].status, due[0].attempts), (TaskStatus::Success, 0));
    assert!(s.push_delivered(&id(1), &due[0].delivery_id).await.unwrap());

    // A newer state replaces a push in flight: due at once, counted afresh, and
    // the old delivery's answer no longer touches it.
    s.insert_task(&with_callback(task(&id(2), 1, 0))).await.unwrap();
    s.set_verification(&id(2), true, None, 30).await.unwrap();
    claim_expect(s, "w", LONG, 30, &id(2)).await;
    assert!(s.start_processing(&id(2), "w", &prepared(), 31).await.unwrap());
    let old = s.claim_pushes(31, 100, 10).await.unwrap();
    assert_eq!((old.len(), old[0].status), (1, TaskStatus::Processing));
    s.push_retry(&id(2), &old[0].delivery_id, 31, Some(80)).await.unwrap();
    let old = s.claim_pushes(80, 100, 10).await.unwrap();
    assert_eq!((old.len(), old[0].attempts), (1, 1), "in flight again, one attempt made");
    assert!(s.complete(&id(2), "w", &success(), 90).await.unwrap());
    let new = s.claim_pushes(90, 95, 10).await.unwrap();
    assert_eq!(new.len(), 1);
    assert_eq!((new[0].status, new[0].attempts, new[0].first_attempt_at), (TaskStatus::Success, 0, None));
    assert_ne!(new[0].delivery_id, old[0].delivery_id);
    s.push_retry(&id(2), &old[0].delivery_id, 31, Some(120)).await.unwrap();
    assert!(!s.push_delivered(&id(2), &old[0].delivery_id).await.unwrap());
    let still = s.claim_pushes(95, 95, 10).await.unwrap();
    assert_eq!(still.len(), 1, "the stale answers did not drop or delay it");
    assert_eq!((still[0].delivery_id.as_str(), still[0].attempts), (new[0].delivery_id.as_str(), 0));
    assert_eq!(still[0].first_attempt_at, None);
}

pub async fn delivery_id_is_stable_across_retries<S: Store + ?Sized>(s: &S) {
    s.insert_task(&with_callback(task(&id(1), 1, 0))).await.unwrap();
    s.set_verification(&id(1), true, None, 0).await.unwrap();
    claim_expect(s, "w", LONG, 1, &id(1)).await;
    assert!(s.start_processing(&id(1), "w", &prepared(), 1).await.unwrap());
    let d = s.claim_pushes(10, 40, 10).await.unwrap().remove(0);

    s.push_retry(&id(1), &d.delivery_id, 10, Some(100)).await.unwrap();
    assert!(s.claim_pushes(99, 99, 10).await.unwrap().is_empty(), "not due before 100");
    let r1 = s.claim_pushes(100, 140, 10).await.unwrap().remove(0);
    assert_eq!((r1.delivery_id.as_str(), r1.attempts, r1.first_attempt_at), (d.delivery_id.as_str(), 1, Some(10)));

    s.push_retry(&id(1), &d.delivery_id, 100, Some(200)).await.unwrap();
    let r2 = s.claim_pushes(200, 240, 10).await.unwrap().remove(0);
    assert_eq!(
        (r2.delivery_id.as_str(), r2.attempts, r2.first_attempt_at),
        (d.delivery_id.as_str(), 2, Some(10)),
        "the first attempt's time is kept"
    );
    // Claimed, then no answer (a crash mid-delivery): back at hold_until, same id.
    assert!(s.claim_pushes(239, 239, 10).await.unwrap().is_empty());
    let r3 = s.claim_pushes(240, 280, 10).await.unwrap().remove(0);
    assert_eq!(r3.delivery_id, d.delivery_id);

    // Answers about another delivery id change nothing.
    s.push_retry(&id(1), "not-the-id", 240, None).await.unwrap();
    assert!(!s.push_delivered(&id(1), "not-the-id").await.unwrap());
    let r4 = s.claim_pushes(280, 280, 10).await.unwrap().remove(0);
    assert_eq!((r4.delivery_id.as_str(), r4.attempts), (d.delivery_id.as_str(), 2));

    assert!(s.push_delivered(&id(1), &d.delivery_id).await.unwrap());
    assert!(!s.push_delivered(&id(1), &d.delivery_id).await.unwrap(), "delivered once");
    s.push_retry(&id(1), &d.delivery_id, 10, Some(300)).await.unwrap();
    assert!(s.claim_pushes(i64::MAX, i64::MAX, 10).await.unwrap().is_empty(), "a delivered push is done");
}

pub async fn pushes_are_claimed_oldest_first_up_to_the_limit<S: Store + ?Sized>(s: &S) {
    for n in 1..=3 {
        s.insert_task(&with_callback(task(&id(n), 1, 0))).await.unwrap();
        s.set_verification(&id(n), true, None, 0).await.unwrap();
    }
    // Pushes become due at 30 (task 1), 10 (task 2) and 20 (task 3).
    for (n, now) in [(1, 30), (2, 10), (3, 20)] {
        claim_expect(s, "w", LONG, now, &id(n)).await;
        assert!(s.start_processing(&id(n), "w", &prepared(), now).await.unwrap());
    }
    assert!(s.claim_pushes(9, 9, 10).await.unwrap().is_empty(), "none due yet");
    let early = s.claim_pushes(100, 200, 2).await.unwrap();
    assert_eq!(ids(early.iter().map(|p| &p.task_id)), ids(&[id(2), id(3)]), "the two oldest");
    let late = s.claim_pushes(100, 200, 2).await.unwrap();
    assert_eq!(ids(late.iter().map(|p| &p.task_id)), ids(&[id(1)]));
    // Only pushes due now.
    s.push_retry(&id(2), &early.iter().find(|p| p.task_id == id(2)).unwrap().delivery_id, 100, Some(300))
        .await
        .unwrap();
    let at_200 = s.claim_pushes(200, 250, 10).await.unwrap();
    assert_eq!(ids(at_200.iter().map(|p| &p.task_id)), ids(&[id(1), id(3)]), "task 2 waits for 300");
}

#[cfg(test)]
mod tests {
    /// Every case is listed in `conformance_suite!`, and nothing else is.
    #[test]
    fn the_macro_lists_every_case() {
        let src = include_str!("conformance.rs");
        let cases: std::collections::BTreeSet<&str> = src
            .lines()
            .filter_map(|l| l.strip_prefix("pub async fn "))
            .map(|l| &l[..l.find('<').expect("generic case")])
            .collect();
        let begin = src.find("// cases:begin").unwrap();
        let end = src.find("// cases:end").unwrap();
        let listed: Vec<&str> =
            src[begin..end].lines().skip(1).map(|l| l.trim().trim_end_matches(',')).filter(|l| !l.is_empty()).collect();
        assert_eq!(listed.iter().copied().collect::<std::collections::BTreeSet<_>>(), cases);
        assert_eq!(listed.len(), cases.len(), "a case listed twice");
    }
}
