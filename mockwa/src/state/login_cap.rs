//! A cap on logins per wall-clock second, over all phones.

/// Counts logins in the current second and admits at most the cap.
#[derive(Debug, Default)]
pub(crate) struct LoginCap {
    /// Logins admitted per second; 0 admits every login.
    per_second: u32,
    /// The second being counted (seconds since the epoch).
    second: u64,
    /// Logins seen in it, admitted or not.
    seen: u32,
}

impl LoginCap {
    /// A cap of `per_second` (0: no cap).
    pub fn new(per_second: u32) -> Self {
        Self {
            per_second,
            ..Self::default()
        }
    }

    /// The cap; 0 when there is none.
    pub fn per_second(&self) -> u32 {
        self.per_second
    }

    /// Changes the cap; the count of the current second goes on.
    pub fn set(&mut self, per_second: u32) {
        self.per_second = per_second;
    }

    /// Counts a login in `second`; whether it is within the cap.
    pub fn admit(&mut self, second: u64) -> bool {
        if second != self.second {
            (self.second, self.seen) = (second, 0);
        }
        self.seen = self.seen.saturating_add(1);
        self.per_second == 0 || self.seen <= self.per_second
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admits_up_to_the_cap_in_each_second() {
        let mut cap = LoginCap::new(2);
        assert!(cap.admit(10));
        assert!(cap.admit(10));
        assert!(!cap.admit(10));
        assert!(cap.admit(11), "a new second starts a new count");
        cap.set(0);
        assert!((0..100).all(|_| cap.admit(11)), "0 is no cap");
        cap.set(1);
        assert!(!cap.admit(11), "the second's logins still count");
    }
}
