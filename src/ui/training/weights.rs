//! A model's weights in the page: the shipped file fetched and offered to the engine, the
//! reader's own file opened, and the weights saved or exported for PyTorch.

use super::*;

impl ModelHandle {
    /// Starts fetching the shipped weights, unless there are weights already.
    pub fn ensure_loaded(self) {
        // The engine's download and start overlap the weights' fetch.
        engine::wake();
        if self.weights.get_untracked() == WeightsState::Missing {
            self.load_shipped();
        }
    }

    /// Fetches `www/weights/<name>.safetensors` and uses it (ending any job).
    pub fn load_shipped(self) {
        let generation = with_slot(self.name, |s| {
            s.generation += 1;
            s.generation
        });
        // A stopped engine has ended the job already.
        if self.status.get_untracked() == JobStatus::Running {
            let _ = engine::send(Request::Pause {
                model: self.name.into(),
            });
        }
        self.weights.set(WeightsState::Loading);
        leptos::task::spawn_local(async move {
            let url = format!(
                "{}www/weights/{}.safetensors",
                browser::base_url(),
                self.name
            );
            let result = browser::fetch_bytes(&url).await;
            if with_slot(self.name, |s| s.generation) != generation {
                return; // the reader loaded them again meanwhile
            }
            match result {
                // The engine reads the file: `WeightsTaken` (with its metadata) or
                // `WeightsRefused` (why) finishes the load.
                Ok(bytes) => {
                    with_slot(self.name, |s| s.shipped_pending = true);
                    // Offered to a stopped engine, they are kept and handed to it when it
                    // starts again (`engine_restarted`); the lesson says why it waits.
                    let _ = self.offer_weights(bytes, false);
                    if self.status.get_untracked() == JobStatus::Running {
                        self.status.set(JobStatus::Paused);
                    }
                    self.step.set(0);
                }
                Err(e) => self.weights.set(WeightsState::Failed(e)),
            }
        });
    }

    /// Offers the weights file `bytes` to the engine; they become the model's when it
    /// takes them (`WeightsTaken`).
    fn offer_weights(self, bytes: Vec<u8>, importing: bool) -> Result<(), engine::EngineDown> {
        let sent = engine::send(Request::SetWeights {
            model: self.name.into(),
            bytes: bytes.clone(),
        });
        // The reader's own file is offered again only if they open it again.
        if sent.is_ok() || !importing {
            with_slot(self.name, |s| {
                s.offered = Some(bytes);
                s.importing = importing;
            });
        }
        sent
    }

    /// The reader's safetensors file in place of the current weights (ours or PyTorch's
    /// layout); a file that does not fit is refused and nothing changes.
    pub fn import_weights(self, bytes: Vec<u8>) {
        let said = match self.offer_weights(bytes, true) {
            Ok(()) => Ok("Checking the file…".into()),
            Err(down) => Err(Self::weights_unchanged(down, "checks an opened file")),
        };
        self.io_message.set(Some(said));
    }

    /// The weights tools' message when the engine, which `does` what the reader asked,
    /// has stopped.
    fn weights_unchanged(down: engine::EngineDown, does: &str) -> String {
        let why = down.0;
        format!("The engine, which {does}, is not running ({why}). Reload the page to start it again; the weights here are unchanged.")
    }

    /// Downloads the current weights as they are (`<model>.safetensors`).
    pub fn save_weights(self) {
        let Some(bytes) = with_slot(self.name, |s| s.bytes.clone()) else {
            return;
        };
        let file = format!("{}.safetensors", self.name);
        self.io_message.set(Some(
            browser::download_bytes(&file, &bytes)
                .map(|()| format!("Saved as {file} (Genlab's layout: opens here again)."))
                .map_err(|_| browser::DOWNLOAD_REFUSED.to_string()),
        ));
    }

    /// Asks the engine for the weights in PyTorch's layout (downloaded when they come).
    pub fn export_torch(self) {
        let sent = engine::send(Request::Export {
            model: self.name.into(),
        });
        self.io_message.set(Some(match sent {
            Ok(()) => Ok("Converting…".into()),
            Err(down) => Err(Self::weights_unchanged(down, "makes the PyTorch export")),
        }));
    }
}
