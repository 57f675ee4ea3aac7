package dbquery

import (
	"errors"
	"fmt"

	"github.com/dop251/goja"
)

// geoConstructorNames are the SDK's db.Geo classes. Like wx-server-sdk's
// factories they work with and without new.
var geoConstructorNames = []string{"Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon"}

// geoRoot builds db.Geo.
func (s *session) geoRoot() *goja.Object {
	geo := s.vm.NewObject()
	for _, name := range geoConstructorNames {
		name := name
		ctor := s.vm.ToValue(func(call goja.ConstructorCall) *goja.Object {
			d, err := buildGeo(name, s.convArgs(call.Arguments))
			if err != nil {
				s.fail(fmt.Errorf("db.Geo.%s(): %w", name, err))
			}
			return s.register(s.vm.NewObject(), d)
		})
		geo.Set(name, ctor)
	}
	return geo
}

// buildGeo validates a db.Geo constructor call as the SDK does and returns
// the GeoJSON document it serialises to.
func buildGeo(name string, args []any) (*Document, error) {
	geo := func(coords any) *Document {
		return &Document{fields: []Field{{Key: "type", Value: name}, {Key: "coordinates", Value: coords}}, geo: true}
	}
	if name == "Point" {
		if len(args) != 2 {
			return nil, errors.New("takes (longitude, latitude)")
		}
		lng, ok1 := finiteNumber(args[0])
		lat, ok2 := finiteNumber(args[1])
		switch {
		case !ok1 || !ok2:
			//lint:ignore ST1005 the SDK's own wording, which clients match
			return nil, errors.New("Geo Point must be number type (finite longitude and latitude)")
		case lng < -180 || lng > 180:
			return nil, errors.New("longitude should be a number ranges from -180 to 180")
		case lat < -90 || lat > 90:
			return nil, errors.New("latitude should be a number ranges from -90 to 90")
		}
		return geo([]any{args[0], args[1]}), nil
	}
	part := map[string]string{"LineString": "Point", "MultiPoint": "Point", "Polygon": "LineString",
		"MultiLineString": "LineString", "MultiPolygon": "Polygon"}[name]
	label := map[string]string{"Point": "points", "LineString": "lines", "Polygon": "polygons"}[part]
	if len(args) != 1 {
		return nil, fmt.Errorf("takes one array of db.Geo.%s", part)
	}
	arr, ok := args[0].([]any)
	if !ok {
		return nil, fmt.Errorf("%q must be of type %s[], got %s", label, part, typeName(args[0]))
	}
	min := 1
	if name == "LineString" {
		min = 2
	}
	if len(arr) < min {
		return nil, fmt.Errorf("%q must contain %d %s at least", label, min, map[bool]string{true: "points", false: "element"}[min == 2])
	}
	coords := make([]any, len(arr))
	for i, e := range arr {
		if geoType(e) != part {
			return nil, fmt.Errorf("%q must be of type %s[] (element %d is not a db.Geo.%s)", label, part, i, part)
		}
		c, _ := e.(*Document).Get("coordinates")
		if name == "Polygon" && !sdkClosed(c.([]any)) {
			return nil, fmt.Errorf("LineString %d is not a closed cycle (its first and last points must be equal)", i)
		}
		coords[i] = c
	}
	return geo(coords), nil
}
