//! The UI kit every lesson's widgets are built from: controls (slider, toggle), images and
//! image grids, heat tables, generated people read against P_data, the choice of data on the plane, the training panel, and sampling runs. Widgets wire signals to these and
//! to the logic below `ui`; nothing here knows a lesson.

mod controls;
mod drawing;
mod images;
mod judged;
mod plane_data;
mod run;
pub mod state;
mod tables;
mod train;
mod weights_io;

pub use controls::{feature_choice, svg_point, Choice, Select, Slider};
pub use drawing::Drawing;
pub use images::{image, image_grid, image_row, ranked_images};
pub use judged::against_pdata;
pub use plane_data::{plane_cells, plane_figure, span_of, PlaneData};
pub use run::{run_status, sample_into, SampleBatch};
pub use tables::heat_table;
pub use train::{history_line, weights_wait, TrainPanel};
