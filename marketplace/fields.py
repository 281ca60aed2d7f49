"""Serializer fields shared by the apps' APIs."""

from rest_framework import serializers

from marketplace.object_ids import MAX_OBJECT_ID, parse_object_id


class ObjectIdRelatedField(serializers.PrimaryKeyRelatedField):
    """A related object named by its id: a JSON integer, or its digits in a form.

    DRF's own field lets the database coerce what it is given, so `1.9` named object 1. An id
    out of range is as unknown as any missing one, and says so in the same words.
    """

    def to_internal_value(self, data):
        if isinstance(data, str):
            object_id = parse_object_id(data)
        elif isinstance(data, int) and not isinstance(data, bool):
            object_id = data if 0 <= data <= MAX_OBJECT_ID else None
        else:
            self.fail("incorrect_type", data_type=type(data).__name__)
        if object_id is None:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(object_id)
