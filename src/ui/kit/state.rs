//! Controls whose values travel in a step's address, so a shared link or an embed opens
//! a widget as its author left it: a control with a test id reads `s.<test id>=<value>`
//! from the address when it appears (a bad value leaves its default, with a quiet note),
//! and keeps its current value here for "Copy link to this state".

use crate::lessons::route;
use crate::ui::browser;
use leptos::prelude::*;
use std::collections::BTreeMap;

/// The shareable controls on the page and the notes about values the address gave.
#[derive(Clone, Copy)]
pub struct ControlState {
    pub values: RwSignal<BTreeMap<&'static str, String>>,
    /// By control, while it is on the page.
    pub notes: RwSignal<BTreeMap<&'static str, String>>,
}

impl ControlState {
    pub fn new() -> Self {
        ControlState {
            values: RwSignal::new(BTreeMap::new()),
            notes: RwSignal::new(BTreeMap::new()),
        }
    }

    /// The controls' values as a step's address carries them.
    pub fn pairs(&self) -> Vec<(String, String)> {
        self.values
            .get()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect()
    }
}

impl Default for ControlState {
    fn default() -> Self {
        Self::new()
    }
}

/// Shares the control `key`: `apply` takes its value from the address now (its error is
/// noted), and its `current` value is kept while it is on the page.
pub fn share(
    key: &'static str,
    current: impl Fn() -> String + Send + Sync + 'static,
    apply: impl Fn(&str) -> Result<(), String>,
) {
    let Some(state) = use_context::<ControlState>() else {
        return;
    };
    if let Some((_, text)) = route::widget_state(&browser::hash())
        .into_iter()
        .find(|(k, _)| k == key)
    {
        if let Err(why) = apply(&text) {
            state.notes.update(|n| {
                n.insert(key, format!("{key}: {why}; left at its default"));
            });
        }
    }
    Effect::new(move |_| {
        let v = current();
        state.values.update(|m| {
            m.insert(key, v);
        });
    });
    on_cleanup(move || {
        let _ = state.values.try_update(|m| m.remove(key));
        let _ = state.notes.try_update(|n| n.remove(key));
    });
}
