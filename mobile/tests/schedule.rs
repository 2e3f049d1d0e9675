//! The declared per-frame order is the order the app's systems run in.
//!
//! Reads the `Update` schedule that [`AppPlugin`] builds (with and without
//! the rendering parts, under `MinimalPlugins`; nothing is run) and fails
//! when:
//! - a system is in no [`AppSystems`] set, or in more than one;
//! - the sets are not ordered Capture → Scan → Resolve → Present;
//! - the schedule cannot be built (a system ordered against its set);
//! - data flows backwards: a system reads a resource or component that only
//!   systems of later sets write (as tracking once read the resolver's
//!   answers);
//! - anything outside the scan stage reads its working state
//!   ([`Detections`]) instead of its product, the tracked codes.

use bevy::ecs::component::ComponentId;
use bevy::ecs::query::FilteredAccessSet;
use bevy::ecs::schedule::graph::Direction;
use bevy::ecs::schedule::{NodeId, ScheduleGraph};
use bevy::prelude::*;
use pustaka_mobile::scan::scanning::Detections;
use pustaka_mobile::{AppPlugin, AppSystems};

/// The sets in their declared order.
const ORDER: [AppSystems; 4] = [
    AppSystems::Capture,
    AppSystems::Scan,
    AppSystems::Resolve,
    AppSystems::Present,
];

/// One `Update` system: its name, the [`ORDER`] indexes of the sets it is
/// in, and what it reads and writes.
struct Inspected {
    name: String,
    sets: Vec<usize>,
    access: FilteredAccessSet,
}

/// The `Update` systems of the app, inspected before the schedule is built;
/// then builds it (panicking with Bevy's error if it cannot be).
fn inspect(with_rendering: bool) -> (Vec<Inspected>, App) {
    let mut app = App::new();
    app.add_plugins(MinimalPlugins)
        .add_plugins(AppPlugin { with_rendering });
    app.finish();
    app.cleanup();
    let world = app.world_mut();
    let inspected = world.schedule_scope(Update, |world, schedule| {
        let graph = schedule.graph_mut();
        let set_nodes: Vec<NodeId> = ORDER
            .iter()
            .map(|s| {
                let key = graph
                    .system_sets
                    .get_key(s.intern())
                    .unwrap_or_else(|| panic!("{s:?} is not configured in Update"));
                NodeId::Set(key)
            })
            .collect();
        for pair in set_nodes.windows(2) {
            assert!(
                reaches(graph, pair[0], pair[1]),
                "{} does not run before {}",
                graph.get_node_name(&pair[0]),
                graph.get_node_name(&pair[1])
            );
        }
        let keys: Vec<_> = graph.systems.iter().map(|(k, _, _)| k).collect();
        let inspected: Vec<Inspected> = keys
            .into_iter()
            .map(|key| {
                let node = NodeId::System(key);
                let ancestors = ancestors(graph, node);
                let sets = set_nodes
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| ancestors.contains(s))
                    .map(|(i, _)| i)
                    .collect();
                let name = graph.get_node_name(&node);
                let system = graph.systems.get_mut(key).expect("an uninitialised system");
                let access = System::initialize(system, world);
                Inspected { name, sets, access }
            })
            .collect();
        if let Err(e) = schedule.initialize(world) {
            panic!("the Update schedule cannot be built: {e:?}");
        }
        inspected
    });
    (inspected, app)
}

/// Whether `to` can be reached from `from` along "runs before" edges.
fn reaches(graph: &ScheduleGraph, from: NodeId, to: NodeId) -> bool {
    let deps = graph.dependency().graph();
    let mut stack = vec![from];
    let mut seen = vec![from];
    while let Some(n) = stack.pop() {
        if n == to {
            return true;
        }
        for next in deps.neighbors_directed(n, Direction::Outgoing) {
            if !seen.contains(&next) {
                seen.push(next);
                stack.push(next);
            }
        }
    }
    false
}

/// Every set `node` is in, directly or through other sets.
fn ancestors(graph: &ScheduleGraph, node: NodeId) -> Vec<NodeId> {
    let hierarchy = graph.hierarchy().graph();
    let mut found = Vec::new();
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        for parent in hierarchy.neighbors_directed(n, Direction::Incoming) {
            if !found.contains(&parent) {
                found.push(parent);
                stack.push(parent);
            }
        }
    }
    found
}

fn check(with_rendering: bool) {
    let (systems, app) = inspect(with_rendering);
    let world = app.world();
    assert!(
        systems.len() >= 10,
        "only {} Update systems: the inspection missed the app's",
        systems.len()
    );
    let misplaced: Vec<String> = systems
        .iter()
        .filter(|s| s.sets.len() != 1)
        .map(|s| format!("{} (in {} AppSystems sets)", s.name, s.sets.len()))
        .collect();
    assert!(misplaced.is_empty(), "{misplaced:#?}");

    let ids: Vec<ComponentId> = world
        .components()
        .iter_registered()
        .map(|c| c.id())
        .collect();
    let name = |id: ComponentId| {
        world
            .components()
            .get_name(id)
            .map_or_else(|| format!("{id:?}"), |n| n.to_string())
    };
    let mut backwards = Vec::new();
    for &id in &ids {
        let writers: Vec<&Inspected> = systems
            .iter()
            .filter(|s| s.access.combined_access().has_write(id))
            .collect();
        let Some(first_writer) = writers.iter().map(|w| w.sets[0]).min() else {
            continue;
        };
        for reader in systems
            .iter()
            .filter(|s| s.access.combined_access().has_read(id))
        {
            if reader.sets[0] < first_writer {
                backwards.push(format!(
                    "{} reads {}, written only later by {:?}",
                    reader.name,
                    name(id),
                    writers.iter().map(|w| w.name.as_str()).collect::<Vec<_>>()
                ));
            }
        }
    }
    assert!(backwards.is_empty(), "{backwards:#?}");

    let detections = world
        .component_id::<Detections>()
        .expect("Detections registered");
    let outside: Vec<&str> = systems
        .iter()
        .filter(|s| s.access.combined_access().has_read(detections))
        .filter(|s| ORDER[s.sets[0]] != AppSystems::Scan)
        .map(|s| s.name.as_str())
        .collect();
    assert!(
        outside.is_empty(),
        "read the scan stage's Detections instead of its TrackedCodes: {outside:?}"
    );
}

#[test]
fn every_update_system_runs_in_its_stage_in_the_declared_order() {
    check(false);
}

#[test]
fn the_rendering_parts_keep_the_order_too() {
    check(true);
}
