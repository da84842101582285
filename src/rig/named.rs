//! Every role the runner receives names its device in its errors: a
//! wrapper per role trait adds the device's [`DeviceLabel`] (rig-file
//! name, driver, transport) to whatever the driver reports, so an abort
//! says which instrument failed, not only how.

use crate::device::flasher::{FlashProgress, FlashReport};
use crate::device::{DeviceError, DeviceLabel, Identity};
use crate::firmware::verify::VerifiedImage;
use std::ops::ControlFlow;

/// A driver behind its role trait, and the label its errors carry.
pub(super) struct Named<D: ?Sized> {
    label: DeviceLabel,
    inner: Box<D>,
}

impl<D: ?Sized> Named<D> {
    pub(super) fn new(label: DeviceLabel, inner: Box<D>) -> Box<Self> {
        Box::new(Named { label, inner })
    }
}

/// Implements a role trait for `Named<dyn Trait>` by forwarding each
/// method and labelling its error.
macro_rules! named {
    ($role:ident { $(fn $method:ident(&mut self $(, $arg:ident: $ty:ty)*) -> $out:ty;)* }) => {
        impl crate::device::$role for Named<dyn crate::device::$role> {
            $(fn $method(&mut self $(, $arg: $ty)*) -> Result<$out, DeviceError> {
                self.inner.$method($($arg),*).map_err(|e| self.label.wrap(e))
            })*
        }
    };
}

crate::device::for_each_role!(named);

named!(Flasher {
    fn identify(&mut self) -> Identity;
    fn flash(
        &mut self,
        image: &VerifiedImage,
        progress: &mut dyn FnMut(FlashProgress) -> ControlFlow<()>
    ) -> FlashReport;
});
