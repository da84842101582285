//! Files the user writes (rig, plan, grid profile): serde types plus
//! validation with located errors.
