"""Amenity bookings (场地预约): amenities, availability, bookings, wait lists, check-in."""
